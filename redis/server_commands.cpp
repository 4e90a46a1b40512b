// TIME, INFO, CONFIG GET/SET/RESETSTAT and COMMAND (COUNT, DOCS, INFO, LIST): what clients and
// tools read about the server. Figures come from the cache layer's counters and the listener;
// nothing is counted here.
#include <unistd.h>

#include <fstream>
#include <set>

#include "cache/keyspace_figures.h"
#include "redis/command_syntax.h"
#include "redis/command_util.h"
#include "redis/executor.h"
#include "redis/glob.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * sysconf(_SC_PAGESIZE);
}

std::string Human(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof(buf), "%lldB", static_cast<long long>(bytes));
  } else if (bytes < (1 << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2fK", static_cast<double>(bytes) / 1024);
  } else if (bytes < (1ll << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2fM", static_cast<double>(bytes) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fG", static_cast<double>(bytes) / (1ll << 30));
  }
  return buf;
}

using Lines = std::vector<std::pair<std::string, std::string>>;

Lines ServerSection(Context& ctx) {
  const ExecutorOptions& o = ctx.executor.options();
  const int64_t now = ctx.now_ms();
  const int64_t uptime = (now - ctx.executor.started_ms()) / 1000;
  return {{"redis_version", o.redis_version},
          {"apicached_version", o.apicached_version},
          {"redis_git_sha1", "00000000"},
          {"redis_git_dirty", "0"},
          {"redis_mode", "standalone"},
          {"os", "Linux"},
          {"arch_bits", std::to_string(sizeof(void*) * 8)},
          {"multiplexing_api", "epoll"},
          {"process_id", std::to_string(getpid())},
          {"tcp_port", std::to_string(ctx.executor.port())},
          {"server_time_usec", std::to_string(now * 1000)},
          {"uptime_in_seconds", std::to_string(uptime)},
          {"uptime_in_days", std::to_string(uptime / 86400)},
          {"hz", "10"},
          {"executable", "apicached"}};
}

Lines ClientsSection(Context& ctx) {
  const ExecutorOptions& o = ctx.executor.options();
  const ListenerFigures f = o.listener_figures ? o.listener_figures() : ListenerFigures{};
  return {{"connected_clients", std::to_string(f.connected_clients)},
          {"maxclients", std::to_string(o.max_clients)},
          {"blocked_clients", "0"}};
}

Lines MemorySection() {
  const int64_t rss = ResidentBytes();
  return {{"used_memory", std::to_string(rss)},
          {"used_memory_human", Human(rss)},
          {"used_memory_rss", std::to_string(rss)},
          {"used_memory_rss_human", Human(rss)},
          {"maxmemory", "0"},
          {"maxmemory_human", "0B"},
          {"maxmemory_policy", "noeviction"}};
}

Lines PersistenceSection() {
  return {{"loading", "0"}, {"rdb_changes_since_last_save", "0"}, {"aof_enabled", "0"}};
}

Lines StatsSection(Context& ctx) {
  const ExecutorOptions& o = ctx.executor.options();
  const ListenerFigures f = o.listener_figures ? o.listener_figures() : ListenerFigures{};
  const cache::OpCounters c = ctx.cache.Counters(kRedis);
  return {{"total_connections_received", std::to_string(f.total_connections)},
          {"total_commands_processed", std::to_string(ctx.executor.commands_processed())},
          {"rejected_connections", std::to_string(f.rejected_connections)},
          {"expired_keys", "0"},
          {"evicted_keys", "0"},
          {"keyspace_hits", std::to_string(c.get_hits)},
          {"keyspace_misses", std::to_string(c.get_misses)}};
}

Lines ReplicationSection() {
  return {{"role", "master"}, {"connected_slaves", "0"}};
}

// One line per database that holds keys, as Redis writes it: keys, keys with a TTL and their
// mean remaining TTL in ms (exact for namespaces up to 100k keys, estimated above:
// cache/keyspace_figures.h).
Lines KeyspaceSection(Context& ctx) {
  Lines out;
  const Databases& dbs = ctx.executor.databases();
  for (int64_t db : dbs.numbers()) {
    cache::KeyspaceFigures sum;
    int64_t ttl_weighted = 0;
    for (const std::string& ns : dbs.Find(db)->Namespaces()) {
      auto figures = cache::CountKeyspace(ctx.cache, ns);
      if (!figures.ok()) continue;  // INFO answers what it can read
      sum.keys += figures->keys;
      sum.expires += figures->expires;
      ttl_weighted += figures->avg_ttl_ms * static_cast<int64_t>(figures->expires);
    }
    if (sum.keys == 0) continue;
    const int64_t avg_ttl = sum.expires == 0 ? 0 : ttl_weighted / static_cast<int64_t>(sum.expires);
    out.emplace_back("db" + std::to_string(db), "keys=" + std::to_string(sum.keys) +
                                                    ",expires=" + std::to_string(sum.expires) +
                                                    ",avg_ttl=" + std::to_string(avg_ttl));
  }
  return out;
}

struct ConfigItem {
  std::string name;
  std::string value;
};

std::vector<ConfigItem> ConfigItems(Context& ctx) {
  const ExecutorOptions& o = ctx.executor.options();
  return {{"maxmemory", "0"},
          {"maxmemory-policy", "noeviction"},
          {"databases", std::to_string(ctx.executor.databases().count())},
          {"save", ""},
          {"appendonly", "no"},
          {"appendfsync", "everysec"},
          {"proto-max-bulk-len", std::to_string(o.max_bulk_bytes)},
          {"maxclients", std::to_string(o.max_clients)},
          {"timeout", std::to_string(o.idle_timeout_seconds)},
          {"port", std::to_string(ctx.executor.port())},
          {"bind", o.address},
          {"cluster-enabled", "no"},
          {"io-threads", std::to_string(o.threads)}};
}

Reply CommandInfoOf(const CommandSpec& spec) {
  std::vector<Reply> flags;
  for (std::string_view f : FlagNames(spec.flags)) flags.push_back(Reply::Simple(std::string(f)));
  std::vector<Reply> subs;
  for (const CommandSpec& sub : spec.subcommands) subs.push_back(CommandInfoOf(sub));
  return Reply::Array({Reply::Bulk(std::string(spec.name)), Reply::Integer(spec.arity),
                       Reply::Set(std::move(flags)), Reply::Integer(spec.first_key),
                       Reply::Integer(spec.last_key), Reply::Integer(spec.step),
                       Reply::Set({Reply::Simple("@" + std::string(spec.category))}),
                       Reply::Set({}), Reply::Set({}), Reply::Array(std::move(subs))});
}

Reply CommandDocOf(const CommandSpec& spec) {
  std::vector<Reply> doc = {
      Reply::Bulk("summary"), Reply::Bulk(std::string(spec.name) + " (apicached)"),
      Reply::Bulk("since"),   Reply::Bulk("1.0.0"),
      Reply::Bulk("group"),   Reply::Bulk(std::string(spec.category))};
  if (const std::string_view syntax = SyntaxOf(spec.name); !syntax.empty()) {
    doc.push_back(Reply::Bulk("arguments"));
    doc.push_back(ArgumentsDoc(syntax));
  }
  if (!spec.subcommands.empty()) {
    std::vector<Reply> subs;
    for (const CommandSpec& sub : spec.subcommands) {
      subs.push_back(Reply::Bulk(std::string(sub.name)));
      subs.push_back(CommandDocOf(sub));
    }
    doc.push_back(Reply::Bulk("subcommands"));
    doc.push_back(Reply::Map(std::move(subs)));
  }
  return Reply::Map(std::move(doc));
}

const CommandSpec* FindTop(std::string_view name) {
  for (const CommandSpec& spec : AllCommands()) {
    if (IEquals(name, spec.name)) return &spec;
  }
  return nullptr;
}

}  // namespace

Reply Time(Context& ctx, const Argv&) {
  const int64_t us = ctx.now_ms() * 1000;
  return Reply::Array(
      {Reply::Bulk(std::to_string(us / 1'000'000)), Reply::Bulk(std::to_string(us % 1'000'000))});
}

Reply Info(Context& ctx, const Argv& argv) {
  std::set<std::string> wanted;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string s = argv[i];
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    wanted.insert(s);
  }
  const bool all = wanted.empty() || wanted.count("default") || wanted.count("all") ||
                   wanted.count("everything");
  const std::pair<const char*, Lines (*)(Context&)> sections[] = {
      {"Server", ServerSection},
      {"Clients", ClientsSection},
      {"Memory", [](Context&) { return MemorySection(); }},
      {"Persistence", [](Context&) { return PersistenceSection(); }},
      {"Stats", StatsSection},
      {"Replication", [](Context&) { return ReplicationSection(); }},
      {"Keyspace", KeyspaceSection},
  };
  std::string out;
  for (const auto& [title, fill] : sections) {
    std::string lower = title;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!all && wanted.count(lower) == 0) continue;
    if (!out.empty()) out += "\r\n";
    out += std::string("# ") + title + "\r\n";
    for (const auto& [k, v] : fill(ctx)) out += k + ":" + v + "\r\n";
  }
  return Reply::Verbatim(std::move(out));
}

Reply ConfigGet(Context& ctx, const Argv& argv) {
  std::vector<Reply> out;
  std::set<std::string> seen;
  for (const ConfigItem& item : ConfigItems(ctx)) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (GlobMatch(argv[i], item.name, true) && seen.insert(item.name).second) {
        out.push_back(Reply::Bulk(item.name));
        out.push_back(Reply::Bulk(item.value));
      }
    }
  }
  return Reply::Map(std::move(out));
}

Reply ConfigSet(Context&, const Argv& argv) {
  return Reply::Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                      argv[2].substr(0, argv[2].find('\0')) + "'");
}

Reply ConfigResetStat(Context&, const Argv&) {
  return Reply::Ok();
}

Reply Command(Context&, const Argv&) {
  std::vector<Reply> out;
  for (const CommandSpec& spec : AllCommands()) out.push_back(CommandInfoOf(spec));
  return Reply::Array(std::move(out));
}

Reply CommandCount(Context&, const Argv&) {
  return Reply::Integer(static_cast<int64_t>(AllCommands().size()));
}

Reply CommandInfo(Context&, const Argv& argv) {
  std::vector<Reply> out;
  if (argv.size() == 2) {
    for (const CommandSpec& spec : AllCommands()) out.push_back(CommandInfoOf(spec));
  }
  for (size_t i = 2; i < argv.size(); ++i) {
    const CommandSpec* spec = FindTop(argv[i]);
    out.push_back(spec != nullptr ? CommandInfoOf(*spec) : Reply::NullArray());
  }
  return Reply::Array(std::move(out));
}

Reply CommandDocs(Context&, const Argv& argv) {
  std::vector<Reply> out;
  for (const CommandSpec& spec : AllCommands()) {
    bool wanted = argv.size() == 2;
    for (size_t i = 2; i < argv.size() && !wanted; ++i) wanted = IEquals(argv[i], spec.name);
    if (!wanted) continue;
    out.push_back(Reply::Bulk(std::string(spec.name)));
    out.push_back(CommandDocOf(spec));
  }
  return Reply::Map(std::move(out));
}

Reply CommandList(Context&, const Argv& argv) {
  if (argv.size() > 2) return err::Error(err::kSyntax);
  std::vector<Reply> out;
  for (const CommandSpec& spec : AllCommands()) out.push_back(Reply::Bulk(std::string(spec.name)));
  return Reply::Array(std::move(out));
}

}  // namespace apicached::redis::cmd
