#include "redis/executor.h"

#include <mutex>

#include "cache/namespace_groups.h"
#include "redis/command_util.h"
#include "redis/errors.h"
#include "redis/handlers.h"

namespace apicached::redis {
namespace {

bool IsScriptingCommand(const CommandSpec& spec) {
  return spec.handler == &cmd::Script;
}

// Redis's "unknown command" error: the name and the first arguments (up to 128 bytes in all),
// each cut at a NUL byte as Redis's printf("%s") cuts them.
Reply UnknownCommand(const Argv& argv) {
  auto c_str = [](const std::string& s, size_t max) {
    return std::string_view(s).substr(0, std::min(s.find('\0'), max));
  };
  std::string args;
  for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
    args += "'";
    args += c_str(argv[i], 128 - args.size() + 1);
    args += "' ";
  }
  return Reply::Error("ERR unknown command '" + std::string(c_str(argv[0], 128)) +
                      "', with args beginning with: " + args);
}

Reply UnknownSubcommand(const Argv& argv) {
  std::string container = argv[0];
  for (char& c : container) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string sub = argv[1].substr(0, std::min(argv[1].find('\0'), size_t{128}));
  return Reply::Error("ERR unknown subcommand '" + sub + "'. Try " + container + " HELP.");
}

}  // namespace

Executor::Executor(cache::CacheService& cache, const Databases& databases,
                   const Authenticator* auth, ExecutorOptions options)
    : cache_(cache),
      databases_(databases),
      auth_(auth),
      options_(std::move(options)),
      started_ms_(cache.clock().NowMillis()),
      cursors_(options_.max_scan_cursors) {}

ClientState Executor::NewClient() {
  ClientState c;
  c.id = next_client_id_.fetch_add(1, std::memory_order_relaxed);
  c.authenticated = auth_ == nullptr || !auth_->Required();
  c.db = databases_.numbers().empty() ? 0 : databases_.numbers().front();
  return c;
}

const CommandSpec* Executor::Resolve(const Argv& argv, Reply& error) const {
  bool unknown_subcommand = false;
  const CommandSpec* spec = LookupCommand(argv, unknown_subcommand);
  if (spec != nullptr && IsScriptingCommand(*spec) && !options_.scripts) spec = nullptr;
  if (spec == nullptr) {
    error = unknown_subcommand ? UnknownSubcommand(argv) : UnknownCommand(argv);
    return nullptr;
  }
  if (!ArityOk(*spec, argv.size())) {
    error = err::WrongArity(spec->name);
    return nullptr;
  }
  return spec;
}

Reply Executor::Execute(ClientState& client, const Argv& argv) {
  commands_.fetch_add(1, std::memory_order_relaxed);
  Reply error;
  const CommandSpec* spec = Resolve(argv, error);
  if (spec != nullptr && !client.authenticated && (spec->flags & kNoAuth) == 0) {
    spec = nullptr;
    error = err::Error(err::kNoAuth);
  }
  if (spec != nullptr && client.in_multi && (spec->flags & kNoMulti) != 0) {
    spec = nullptr;
    error = err::Error("ERR Command not allowed inside a transaction");
  }
  if (spec == nullptr) {
    if (client.in_multi) client.multi_failed = true;  // Redis's flagTransaction
    return error;
  }
  if (client.in_multi && (spec->flags & kSkipQueue) == 0) {
    client.queued.push_back(argv);
    return Reply::Simple("QUEUED");
  }
  if ((spec->flags & kExclusive) != 0) {
    std::unique_lock lock(lock_);
    return Run(*spec, client, argv, false);
  }
  std::shared_lock lock(lock_);
  return Run(*spec, client, argv, false);
}

bool Executor::BatchableSet(const ClientState& client, const Argv& argv) const {
  if (!client.authenticated || client.in_multi || !IEquals(argv[0], "set")) return false;
  const int64_t now = cache_.clock().NowMillis();
  const std::optional<int64_t> at = cmd::BatchableSetDeadline(cache_, argv, now);
  return at && (*at == 0 || *at > now);  // a deadline already past deletes: Set does that
}

void Executor::ExecuteSets(ClientState& client, const std::vector<Argv>& sets, size_t count,
                           std::vector<Reply>& replies) {
  const size_t first = replies.size();
  replies.resize(first + count);
  std::vector<HeldSet> held(count);
  for (size_t i = 0; i < count; ++i) held[i] = {&client, &sets[i], &replies[first + i]};
  RunCombined(held);
}

void Executor::RunCombined(const std::vector<HeldSet>& sets) {
  const size_t count = sets.size();
  if (count == 1) {
    *sets[0].reply = Execute(*sets[0].client, *sets[0].argv);
    return;
  }
  commands_.fetch_add(count, std::memory_order_relaxed);
  std::shared_lock lock(lock_);
  // Deadlines count from now, as each SET were run now. One no longer accepted (the largest
  // TTL lowered by a reload since BatchableSet) runs alone for its error, writing nothing.
  const int64_t now = cache_.clock().NowMillis();
  std::vector<std::string_view> ns_of(count);  // empty: answered already
  std::vector<int64_t> expires_at(count, 0);
  for (size_t i = 0; i < count; ++i) {
    *sets[i].reply = Reply::Ok();
    const KeyMapping* db = databases_.Find(sets[i].client->db);
    if (db == nullptr) {  // unreachable: SELECT checks
      *sets[i].reply = err::Error(err::kDbRange);
      continue;
    }
    const std::optional<int64_t> at = cmd::BatchableSetDeadline(cache_, *sets[i].argv, now);
    if (!at) {
      *sets[i].reply = RunQueued(*sets[i].client, *sets[i].argv, nullptr);
      continue;
    }
    expires_at[i] = *at;
    ns_of[i] = db->NamespaceFor((*sets[i].argv)[1]);
  }
  std::vector<PutItem> items;
  cache::ForEachNamespaceGroup(ns_of, [&](std::string_view ns, const std::vector<size_t>& group) {
    items.clear();
    for (size_t j : group) {
      PutItem& item = items.emplace_back();
      item.key = (*sets[j].argv)[1];
      item.value = (*sets[j].argv)[2];
      item.ttl_seconds = 0;  // never expires, as a plain SET
      if (expires_at[j] != 0) item.expires_at_ms = expires_at[j];
    }
    if (cache_.MultiSet(kRedis, ns, items).ok()) return;
    // Refused as a whole: nothing of it was written. Each SET alone, as without a batch.
    for (size_t j : group) *sets[j].reply = RunQueued(*sets[j].client, *sets[j].argv, nullptr);
  });
}

Reply Executor::Run(const CommandSpec& spec, ClientState& client, const Argv& argv, bool in_script,
                    StagedWrites* staged) {
  const KeyMapping* db = databases_.Find(client.db);
  if (db == nullptr) return err::Error(err::kDbRange);  // unreachable: SELECT checks
  Context ctx{cache_, *this, *db, client, in_script, staged};
  return spec.handler(ctx, argv);
}

Reply Executor::RunQueued(ClientState& client, const Argv& argv, StagedWrites* staged) {
  Reply error;
  const CommandSpec* spec = Resolve(argv, error);
  if (spec == nullptr) return error;
  if (IsScriptingCommand(*spec)) return RunScript(client, argv);
  return Run(*spec, client, argv, false, staged);
}

bool Executor::RunsUnstaged(const Argv& argv) const {
  Reply error;
  const CommandSpec* spec = Resolve(argv, error);
  return spec != nullptr && (spec->flags & kUnstaged) != 0;
}

Reply Executor::CallFromScript(ClientState& client, const Argv& argv) {
  bool unknown_subcommand = false;
  const CommandSpec* spec = LookupCommand(argv, unknown_subcommand);
  if (spec == nullptr || spec->handler == nullptr) {
    return err::Error("ERR Unknown Redis command called from script");
  }
  if (!ArityOk(*spec, argv.size())) {
    return err::Error("ERR Wrong number of args calling Redis command from script");
  }
  if ((spec->flags & kNoScript) != 0) {
    return err::Error("ERR This Redis command is not allowed from script");
  }
  return Run(*spec, client, argv, true);
}

Reply Executor::RunScript(ClientState& client, const Argv& argv) {
  if (!options_.scripts) return UnknownCommand(argv);
  ClientState script_client = client;
  script_client.in_multi = false;
  script_client.queued.clear();
  auto call = [this, &script_client](const Argv& a) { return CallFromScript(script_client, a); };
  return options_.scripts(argv, call);
}

namespace cmd {

Reply Script(Context& ctx, const Argv& argv) {
  return ctx.executor.RunScript(ctx.client, argv);
}

}  // namespace cmd

}  // namespace apicached::redis
