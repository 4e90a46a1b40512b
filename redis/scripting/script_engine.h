// ScriptEngine: Redis 7's Lua scripting for the Redis front (EVAL, EVALSHA, EVAL_RO,
// EVALSHA_RO, SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP), on Debian's Lua 5.1 as Redis embeds
// it. docs/redis-scripting.md describes what a script sees and where apicached differs.
//
// A script's redis.call() / redis.pcall() go to the `call` function the caller passes to
// Execute(); the engine converts arguments and replies with Redis's rules and never touches
// the cache itself. The caller (the Redis executor) makes a script atomic: it holds its lock
// while Execute() runs, and its `call` refuses the commands a script may not run.
//
// Bounds (Options): a script running past the time limit is aborted with an error (Redis
// instead answers BUSY to other clients and waits for SCRIPT KILL); a script needing more Lua
// memory than the limit is aborted with an error; the script cache holds a bounded number of
// scripts and bytes (EVAL scripts evicted least recently used, SCRIPT LOAD ones kept); a
// script's reply is bounded. No input crashes the daemon: every Lua call is protected.
//
// Thread safety: Execute() may be called from any thread. One Lua state per engine, guarded
// by a mutex inside, so scripts run one at a time; make one engine per daemon so that a script
// loaded by one connection is visible to every connection, as in Redis. `call` runs on the
// calling thread with that mutex held: it must not call Execute() (doing so returns an error).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "redis/reply.h"
#include "storage/clock.h"

namespace apicached::redis::scripting {

class LuaVm;
class ScriptCache;

// Redis's log levels (redis.LOG_DEBUG .. redis.LOG_WARNING).
enum class ScriptLogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

class ScriptEngine {
 public:
  struct Options {
    // Wall time one script may run; then it is aborted with an error (Redis's lua-time-limit
    // is 5000 ms too). Writes the script made before stay, as after Redis's SCRIPT KILL.
    std::chrono::milliseconds time_limit{5000};
    // Bytes the Lua heap may hold: every cached compiled script plus the running script's
    // data. Past it the script is aborted with an error.
    size_t memory_limit_bytes = 128u << 20;
    // The script cache: at most this many scripts and bytes of script bodies. Must stay well
    // under memory_limit_bytes (a compiled script takes a few times its body).
    size_t max_cached_scripts = 1000;
    size_t max_cached_script_bytes = 8u << 20;
    // Bytes one script's reply may hold (strings plus 16 bytes per element).
    size_t max_reply_bytes = 64u << 20;
    // Which commands (argv[0], any case) write: a read-only script (EVAL_RO, EVALSHA_RO, the
    // `no-writes` shebang flag) calling one gets Redis's "Write commands are not allowed from
    // read-only scripts." The Redis front's command table answers it (redis::IsWriteCommand);
    // empty: the engine refuses nothing itself and `call` must.
    std::function<bool(std::string_view command)> is_write_command;
  };

  using Log = std::function<void(ScriptLogLevel, std::string_view escaped_message)>;
  using Call = std::function<Reply(const Argv&)>;

  // `clock` must outlive the engine. `log` receives redis.log() lines, bytes outside printable
  // ASCII escaped as \xNN, at most 8 KiB; empty drops them. Throws std::invalid_argument on a
  // zero limit, std::runtime_error when Lua cannot start.
  ScriptEngine(Options options, const Clock& clock, Log log = {});
  ~ScriptEngine();
  ScriptEngine(const ScriptEngine&) = delete;
  ScriptEngine& operator=(const ScriptEngine&) = delete;

  // Runs one of EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT (argv[0], any case) and returns
  // its reply as Redis 7 answers, errors included (arity, numkeys, NOSCRIPT, compile and
  // runtime errors). `call` runs each redis.call()/redis.pcall() of the script (argv[0] as
  // the script wrote it). Another command name answers "ERR unknown command".
  Reply Execute(const Argv& argv, const Call& call);

  // True for the command names Execute() handles (any case).
  static bool Handles(std::string_view command);

 private:
  Reply Eval(const Argv& argv, bool by_sha, bool read_only, const Call& call);
  Reply Script(const Argv& argv);

  const Options options_;
  std::mutex mu_;
  std::unique_ptr<LuaVm> vm_;           // guarded by mu_
  std::unique_ptr<ScriptCache> cache_;  // guarded by mu_
};

}  // namespace apicached::redis::scripting
