// The Redis command table: every command the front knows, with Redis 7.0's arity, flags and key
// positions (what COMMAND INFO answers and redis-cli reads), and the function that runs it.
// Commands are grouped by file: string_commands, expiry_commands, key_commands,
// server_commands, connection_commands, transaction (see handlers.h).
//
// A command runs on a Context: the cache layer, the selected database's key mapping, the
// connection's state and the executor's shared parts. It returns a Reply and does no I/O.
//
// Thread safety: the table is immutable; a Context belongs to one command call.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "redis/client_state.h"
#include "redis/reply.h"

namespace apicached::redis {

class Executor;
class StagedWrites;

struct Context {
  cache::CacheService& cache;
  Executor& executor;
  const KeyMapping& db;  // the selected database
  ClientState& client;
  bool in_script = false;  // called through redis.call()
  // Inside EXEC: the transaction's writes, applied as one batch at its end (staged_writes.h);
  // the commands read and write through command_util.h's helpers, which honour it. Null: each
  // write is applied at once.
  StagedWrites* staged = nullptr;

  std::string_view NamespaceOf(std::string_view key) const { return db.NamespaceFor(key); }
  int64_t now_ms() const { return cache.clock().NowMillis(); }
};

using Handler = Reply (*)(Context& ctx, const Argv& argv);

enum CommandFlag : uint32_t {
  kWrite = 1 << 0,
  kReadOnly = 1 << 1,
  kDenyOom = 1 << 2,
  kAdmin = 1 << 3,
  kNoScript = 1 << 4,  // refused inside redis.call()
  kLoading = 1 << 5,
  kStale = 1 << 6,
  kFast = 1 << 7,
  kNoAuth = 1 << 8,      // allowed before AUTH
  kNoMulti = 1 << 9,     // refused inside MULTI
  kAllowBusy = 1 << 10,  //
  kExclusive = 1 << 11,  // apicached: runs alone (no other Redis command at the same time)
  kSkipQueue = 1 << 12,  // apicached: runs at once inside MULTI (EXEC, DISCARD, MULTI, WATCH...)
  kMayReplicate = 1 << 13,
  // apicached: reads or clears whole namespaces (KEYS, SCAN, DBSIZE, FLUSHDB...), or runs a
  // script: inside EXEC it runs on what the store holds, so the writes the transaction staged
  // before it are applied first (transaction.cpp).
  kUnstaged = 1 << 14,
};

struct CommandSpec {
  std::string_view name;  // lower case; subcommands "container|sub"
  int arity;              // Redis's: N exactly, -N at least N (the name counts)
  uint32_t flags;
  int first_key, last_key, step;  // Redis's legacy key positions (0: no keys)
  std::string_view category;      // ACL category shown by COMMAND INFO ("string", "keyspace"...)
  Handler handler;                // null for a container called without a subcommand
  std::span<const CommandSpec> subcommands;
};

// The command argv names: null when unknown. `container` is set when argv[0] is a container
// command (CLIENT, CONFIG, COMMAND, SCRIPT) and argv[1] names no subcommand of it.
const CommandSpec* LookupCommand(const Argv& argv, bool& unknown_subcommand);

// The top-level commands, in table order.
std::span<const CommandSpec> AllCommands();

// True when `name` (any case) is a command of the table flagged write: what a read-only script
// may not call (redis/scripting/ gets it through ScriptEngine::Options::is_write_command).
bool IsWriteCommand(std::string_view name);

// The flag names COMMAND INFO lists ("write", "readonly", "fast", ...).
std::vector<std::string_view> FlagNames(uint32_t flags);

// True when argv has the arity spec asks for.
inline bool ArityOk(const CommandSpec& spec, size_t argc) {
  return spec.arity > 0 ? argc == static_cast<size_t>(spec.arity)
                        : argc >= static_cast<size_t>(-spec.arity);
}

// ASCII case-insensitive comparison of a client argument with a lower-case word.
bool IEquals(std::string_view arg, std::string_view lower_word);

}  // namespace apicached::redis
