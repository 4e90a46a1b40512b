#include <algorithm>
#include <cctype>

#include "redis/command.h"
#include "redis/handlers.h"

namespace apicached::redis {
namespace {

constexpr uint32_t kW = kWrite | kDenyOom;
constexpr uint32_t kR = kReadOnly;
constexpr uint32_t kConn = kNoScript | kLoading | kStale | kFast;
constexpr uint32_t kTx = kNoScript | kLoading | kStale | kFast | kAllowBusy | kSkipQueue;
constexpr uint32_t kEval = kNoScript | kMayReplicate | kExclusive | kStale | kUnstaged;

using namespace cmd;

constexpr CommandSpec kClientSubs[] = {
    {"client|getname", 2, kConn, 0, 0, 0, "connection", ClientGetName, {}},
    {"client|id", 2, kConn, 0, 0, 0, "connection", ClientId, {}},
    {"client|info", 2, kConn, 0, 0, 0, "connection", ClientInfo, {}},
    {"client|setinfo", 4, kConn, 0, 0, 0, "connection", ClientSetInfo, {}},
    {"client|setname", 3, kConn, 0, 0, 0, "connection", ClientSetName, {}},
};

constexpr CommandSpec kCommandSubs[] = {
    {"command|count", 2, kLoading | kStale, 0, 0, 0, "connection", CommandCount, {}},
    {"command|docs", -2, kLoading | kStale, 0, 0, 0, "connection", CommandDocs, {}},
    {"command|info", -2, kLoading | kStale, 0, 0, 0, "connection", CommandInfo, {}},
    {"command|list", -2, kLoading | kStale, 0, 0, 0, "connection", CommandList, {}},
};

constexpr CommandSpec kConfigSubs[] = {
    {"config|get", -3, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, "admin", ConfigGet, {}},
    {"config|resetstat",
     2,
     kAdmin | kNoScript | kLoading | kStale,
     0,
     0,
     0,
     "admin",
     ConfigResetStat,
     {}},
    {"config|set", -4, kAdmin | kNoScript | kLoading | kStale, 0, 0, 0, "admin", ConfigSet, {}},
};

constexpr CommandSpec kScriptSubs[] = {
    {"script|exists", -3, kNoScript, 0, 0, 0, "scripting", Script, {}},
    {"script|flush", -2, kNoScript | kExclusive, 0, 0, 0, "scripting", Script, {}},
    {"script|help", 2, kLoading | kStale, 0, 0, 0, "scripting", Script, {}},
    {"script|kill", 2, kNoScript | kAllowBusy, 0, 0, 0, "scripting", Script, {}},
    {"script|load", 3, kNoScript | kStale, 0, 0, 0, "scripting", Script, {}},
};

constexpr CommandSpec kCommands[] = {
    {"append", 3, kW, 1, 1, 1, "string", Append, {}},
    {"auth",
     -2,
     kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
     0,
     0,
     0,
     "connection",
     Auth,
     {}},
    {"client", -2, 0, 0, 0, 0, "connection", nullptr, kClientSubs},
    {"command", -1, kLoading | kStale, 0, 0, 0, "connection", Command, kCommandSubs},
    {"config", -2, 0, 0, 0, 0, "admin", nullptr, kConfigSubs},
    {"dbsize", 1, kR | kFast | kUnstaged, 0, 0, 0, "keyspace", DbSize, {}},
    {"decr", 2, kW | kFast, 1, 1, 1, "string", Decr, {}},
    {"decrby", 3, kW | kFast, 1, 1, 1, "string", DecrBy, {}},
    {"del", -2, kWrite, 1, -1, 1, "keyspace", Del, {}},
    {"discard", 1, kTx, 0, 0, 0, "transaction", Discard, {}},
    {"echo", 2, kFast, 0, 0, 0, "connection", Echo, {}},
    {"eval", -3, kEval, 0, 0, 0, "scripting", Script, {}},
    {"eval_ro", -3, kEval | kReadOnly, 0, 0, 0, "scripting", Script, {}},
    {"evalsha", -3, kEval, 0, 0, 0, "scripting", Script, {}},
    {"evalsha_ro", -3, kEval | kReadOnly, 0, 0, 0, "scripting", Script, {}},
    {"exec",
     1,
     kNoScript | kLoading | kStale | kSkipQueue | kExclusive,
     0,
     0,
     0,
     "transaction",
     Exec,
     {}},
    {"exists", -2, kR | kFast, 1, -1, 1, "keyspace", Exists, {}},
    {"expire", -3, kWrite | kFast, 1, 1, 1, "keyspace", Expire, {}},
    {"expireat", -3, kWrite | kFast, 1, 1, 1, "keyspace", ExpireAt, {}},
    {"expiretime", 2, kR | kFast, 1, 1, 1, "keyspace", ExpireTime, {}},
    {"flushall", -1, kWrite | kUnstaged, 0, 0, 0, "keyspace", FlushAll, {}},
    {"flushdb", -1, kWrite | kUnstaged, 0, 0, 0, "keyspace", FlushDb, {}},
    {"get", 2, kR | kFast, 1, 1, 1, "string", Get, {}},
    {"getdel", 2, kWrite | kFast, 1, 1, 1, "string", GetDel, {}},
    {"getex", -2, kWrite | kFast, 1, 1, 1, "string", GetEx, {}},
    {"getset", 3, kW | kFast, 1, 1, 1, "string", GetSet, {}},
    {"hello",
     -1,
     kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
     0,
     0,
     0,
     "connection",
     Hello,
     {}},
    {"incr", 2, kW | kFast, 1, 1, 1, "string", Incr, {}},
    {"incrby", 3, kW | kFast, 1, 1, 1, "string", IncrBy, {}},
    {"incrbyfloat", 3, kW | kFast, 1, 1, 1, "string", IncrByFloat, {}},
    {"info", -1, kLoading | kStale | kUnstaged, 0, 0, 0, "dangerous", Info, {}},
    {"keys", 2, kR | kUnstaged, 0, 0, 0, "keyspace", Keys, {}},
    {"mget", -2, kR | kFast, 1, -1, 1, "string", MGet, {}},
    {"mset", -3, kW | kExclusive, 1, -1, 2, "string", MSet, {}},
    {"msetnx", -3, kW | kExclusive, 1, -1, 2, "string", MSetNx, {}},
    {"multi", 1, kTx, 0, 0, 0, "transaction", Multi, {}},
    {"persist", 2, kWrite | kFast, 1, 1, 1, "keyspace", Persist, {}},
    {"pexpire", -3, kWrite | kFast, 1, 1, 1, "keyspace", PExpire, {}},
    {"pexpireat", -3, kWrite | kFast, 1, 1, 1, "keyspace", PExpireAt, {}},
    {"pexpiretime", 2, kR | kFast, 1, 1, 1, "keyspace", PExpireTime, {}},
    {"ping", -1, kFast, 0, 0, 0, "connection", Ping, {}},
    {"psetex", 4, kW, 1, 1, 1, "string", PSetEx, {}},
    {"pttl", 2, kR | kFast, 1, 1, 1, "keyspace", PTtl, {}},
    {"quit",
     -1,
     kAllowBusy | kNoAuth | kLoading | kStale | kFast | kSkipQueue,
     0,
     0,
     0,
     "connection",
     Quit,
     {}},
    {"reset", 1, kConn | kNoAuth | kAllowBusy | kSkipQueue, 0, 0, 0, "connection", Reset, {}},
    {"scan", -2, kR | kUnstaged, 0, 0, 0, "keyspace", Scan, {}},
    {"script", -2, 0, 0, 0, 0, "scripting", nullptr, kScriptSubs},
    {"select", 2, kLoading | kStale | kFast, 0, 0, 0, "connection", Select, {}},
    {"set", -3, kW, 1, 1, 1, "string", Set, {}},
    {"setex", 4, kW, 1, 1, 1, "string", SetEx, {}},
    {"setnx", 3, kW | kFast, 1, 1, 1, "string", SetNx, {}},
    {"strlen", 2, kR | kFast, 1, 1, 1, "string", StrLen, {}},
    {"time", 1, kLoading | kStale | kFast, 0, 0, 0, "connection", Time, {}},
    {"ttl", 2, kR | kFast, 1, 1, 1, "keyspace", Ttl, {}},
    {"type", 2, kR | kFast, 1, 1, 1, "keyspace", Type, {}},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, "keyspace", Del, {}},
    // Not kSkipQueue: Redis queues UNWATCH inside MULTI (it answers QUEUED, then OK in EXEC's
    // array); only EXEC, DISCARD, MULTI, WATCH, QUIT and RESET run at once there.
    {"unwatch", 1, kTx & ~kSkipQueue, 0, 0, 0, "transaction", Unwatch, {}},
    {"watch", -2, kTx, 1, -1, 1, "transaction", Watch, {}},
};

const CommandSpec* Find(std::span<const CommandSpec> table, std::string_view name) {
  // The table is sorted by name; names are short, so a lower-cased copy is cheap.
  char lower[32];
  if (name.size() >= sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  const std::string_view key(lower, name.size());
  const auto it =
      std::lower_bound(table.begin(), table.end(), key,
                       [](const CommandSpec& c, std::string_view k) { return c.name < k; });
  return it != table.end() && it->name == key ? &*it : nullptr;
}

}  // namespace

bool IEquals(std::string_view arg, std::string_view lower_word) {
  if (arg.size() != lower_word.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(arg[i])) != lower_word[i]) return false;
  }
  return true;
}

const CommandSpec* LookupCommand(const Argv& argv, bool& unknown_subcommand) {
  unknown_subcommand = false;
  if (argv.empty()) return nullptr;
  const CommandSpec* top = Find(kCommands, argv[0]);
  if (top == nullptr || top->subcommands.empty() || argv.size() < 2) return top;
  // Subcommand names are stored as "container|sub".
  if (argv[1].size() + top->name.size() + 1 >= 32) {
    unknown_subcommand = true;
    return nullptr;
  }
  const std::string full = std::string(top->name) + "|" + argv[1];
  const CommandSpec* sub = Find(top->subcommands, full);
  if (sub == nullptr) unknown_subcommand = true;
  return sub;
}

bool IsWriteCommand(std::string_view name) {
  const CommandSpec* spec = Find(kCommands, name);
  return spec != nullptr && (spec->flags & kWrite) != 0;
}

std::span<const CommandSpec> AllCommands() {
  return kCommands;
}

std::vector<std::string_view> FlagNames(uint32_t flags) {
  static constexpr std::pair<CommandFlag, std::string_view> kNames[] = {
      {kWrite, "write"},          {kReadOnly, "readonly"},
      {kDenyOom, "denyoom"},      {kAdmin, "admin"},
      {kNoScript, "noscript"},    {kLoading, "loading"},
      {kStale, "stale"},          {kFast, "fast"},
      {kNoAuth, "no_auth"},       {kNoMulti, "no_multi"},
      {kAllowBusy, "allow_busy"}, {kMayReplicate, "may_replicate"},
  };
  std::vector<std::string_view> out;
  for (const auto& [flag, name] : kNames) {
    if ((flags & flag) != 0) out.push_back(name);
  }
  return out;
}

}  // namespace apicached::redis
