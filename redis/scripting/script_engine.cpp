#include "redis/scripting/script_engine.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "redis/scripting/lua_context.h"
#include "redis/scripting/lua_reply.h"
#include "redis/scripting/lua_vm.h"
#include "redis/scripting/script_cache.h"
#include "redis/scripting/sha1.h"
#include "redis/scripting/shebang.h"

namespace apicached::redis::scripting {
namespace {

// The engine whose script runs on this thread: Execute() from inside `call` is refused.
thread_local const ScriptEngine* running_here = nullptr;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Reply WrongArity(std::string_view command) {
  return Reply::Error("ERR wrong number of arguments for '" + std::string(command) + "' command");
}

Reply NoScript() {
  return Reply::Error("NOSCRIPT No matching script. Please use EVAL.");
}

// Redis's string2ll: an optional '-', then digits without a leading zero (or "0" alone).
bool ParseLongLong(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    *out = 0;
    return true;
  }
  bool negative = false;
  if (s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() < '1' || s.front() > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  const uint64_t max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!negative && v > max) return false;
  if (negative && v > max + 1) return false;
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// The body Lua compiles: a shebang line is blanked but its '\n' kept, so line numbers match.
std::string_view CodeOf(std::string_view body, const Shebang& shebang) {
  return body.substr(shebang.length);
}

Reply HelpReply() {
  static constexpr std::array<const char*, 17> kLines = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  std::vector<Reply> lines;
  for (const char* line : kLines) lines.push_back(Reply::Simple(line));
  return Reply::Array(std::move(lines));
}

}  // namespace

ScriptEngine::ScriptEngine(Options options, const Clock& clock, Log log) : options_(options) {
  if (options.time_limit.count() <= 0 || options.memory_limit_bytes == 0 ||
      options.max_cached_scripts == 0 || options.max_cached_script_bytes == 0 ||
      options.max_reply_bytes == 0) {
    throw std::invalid_argument("scripting: every limit must be greater than zero");
  }
  vm_ = std::make_unique<LuaVm>(LuaVm::Limits{options.time_limit.count(),
                                              options.memory_limit_bytes, options.max_reply_bytes},
                                clock, std::move(log));
  cache_ = std::make_unique<ScriptCache>(
      ScriptCache::Limits{options.max_cached_scripts, options.max_cached_script_bytes});
}

ScriptEngine::~ScriptEngine() = default;

bool ScriptEngine::Handles(std::string_view command) {
  const std::string name = Lower(command);
  return name == "eval" || name == "evalsha" || name == "eval_ro" || name == "evalsha_ro" ||
         name == "script";
}

Reply ScriptEngine::Execute(const Argv& argv, const Call& call) {
  if (argv.empty()) return Reply::Error("ERR wrong number of arguments");
  if (running_here == this)
    return Reply::Error("ERR This Redis command is not allowed from script");
  const std::string name = Lower(argv[0]);
  std::lock_guard lock(mu_);
  struct Running {
    explicit Running(const ScriptEngine* e) { running_here = e; }
    ~Running() { running_here = nullptr; }
  } running(this);
  try {
    if (name == "eval" || name == "evalsha" || name == "eval_ro" || name == "evalsha_ro") {
      if (argv.size() < 3) return WrongArity(name);
      return Eval(argv, name.starts_with("evalsha"), name.ends_with("_ro"), call);
    }
    if (name == "script") return Script(argv);
    return Reply::Error("ERR unknown command");
  } catch (const std::exception& e) {  // out of memory outside Lua: an error, not a crash
    return Reply::Error("ERR " + SingleLine(e.what()));
  }
}

Reply ScriptEngine::Eval(const Argv& argv, bool by_sha, bool read_only, const Call& call) {
  if (by_sha && argv[1].size() != 40) return NoScript();
  int64_t numkeys = 0;
  if (!ParseLongLong(argv[2], &numkeys))
    return Reply::Error("ERR value is not an integer or out of range");
  if (numkeys > static_cast<int64_t>(argv.size()) - 3) {
    return Reply::Error("ERR Number of keys can't be greater than number of args");
  }
  if (numkeys < 0) return Reply::Error("ERR Number of keys can't be negative");

  const std::string sha = by_sha ? Lower(argv[1]) : Sha1Hex(argv[1]);
  uint32_t flags = 0;
  bool transient = false;  // compiled for this run only: the cache had no room
  if (!cache_->Find(sha, &flags)) {
    if (by_sha) return NoScript();
    const Shebang shebang = ParseShebang(argv[1]);
    if (!shebang.error.empty()) return Reply::Error("ERR " + shebang.error);
    std::string error = vm_->Compile(sha, CodeOf(argv[1], shebang));
    if (!error.empty()) return Reply::Error(std::move(error));
    std::vector<std::string> evicted;
    transient =
        !cache_->Add(sha, argv[1].size(), shebang.flags, ScriptCache::Origin::kEval, &evicted);
    for (const std::string& gone : evicted) vm_->Drop(gone);
    flags = shebang.flags;
  }
  if (read_only && !(flags & kScriptEvalCompat) && !(flags & kScriptNoWrites)) {
    if (transient) vm_->Drop(sha);
    return Reply::Error("ERR Can not execute a script with write flag using *_ro command.");
  }
  ScriptRun run;
  run.call = &call;
  run.is_write = &options_.is_write_command;
  run.read_only = read_only || (flags & kScriptNoWrites) != 0;
  const auto keys = std::span<const std::string>(argv).subspan(3, static_cast<size_t>(numkeys));
  const auto args = std::span<const std::string>(argv).subspan(3 + static_cast<size_t>(numkeys));
  Reply reply = vm_->Run(sha, keys, args, run);
  if (transient) vm_->Drop(sha);
  return reply;
}

Reply ScriptEngine::Script(const Argv& argv) {
  if (argv.size() < 2) return WrongArity("script");
  const std::string sub = Lower(argv[1]);
  if (sub == "load") {
    if (argv.size() != 3) return WrongArity("script|load");
    const std::string sha = Sha1Hex(argv[2]);
    if (cache_->Contains(sha)) {
      cache_->MarkLoaded(sha);
      return Reply::Bulk(sha);
    }
    const Shebang shebang = ParseShebang(argv[2]);
    if (!shebang.error.empty()) return Reply::Error("ERR " + shebang.error);
    std::string error = vm_->Compile(sha, CodeOf(argv[2], shebang));
    if (!error.empty()) return Reply::Error(std::move(error));
    std::vector<std::string> evicted;
    const bool added =
        cache_->Add(sha, argv[2].size(), shebang.flags, ScriptCache::Origin::kLoad, &evicted);
    for (const std::string& gone : evicted) vm_->Drop(gone);
    if (!added) {
      vm_->Drop(sha);
      return Reply::Error("ERR the script cache is full (" +
                          std::to_string(options_.max_cached_scripts) + " scripts or " +
                          std::to_string(options_.max_cached_script_bytes) +
                          " bytes of loaded scripts); SCRIPT FLUSH empties it");
    }
    return Reply::Bulk(sha);
  }
  if (sub == "exists") {
    if (argv.size() < 3) return WrongArity("script|exists");
    std::vector<Reply> found;
    for (size_t i = 2; i < argv.size(); ++i)
      found.push_back(Reply::Integer(cache_->Contains(Lower(argv[i])) ? 1 : 0));
    return Reply::Array(std::move(found));
  }
  if (sub == "flush") {
    if (argv.size() == 3) {
      const std::string mode = Lower(argv[2]);
      if (mode != "sync" && mode != "async")
        return Reply::Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    } else if (argv.size() != 2) {
      return Reply::Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    vm_->Reset();  // both modes flush at once: the state is small and freed in microseconds
    cache_->Clear();
    return Reply::Ok();
  }
  if (sub == "kill") {
    if (argv.size() != 2) return WrongArity("script|kill");
    // A script never outlives its Execute() call, which other connections wait for.
    return Reply::Error("NOTBUSY No scripts in execution right now.");
  }
  if (sub == "help") {
    if (argv.size() != 2) return WrongArity("script|help");
    return HelpReply();
  }
  if (sub == "debug") {
    if (argv.size() != 3) return WrongArity("script|debug");
    return Reply::Error("ERR SCRIPT DEBUG is not supported by apicached");
  }
  return Reply::Error("ERR unknown subcommand '" + SingleLine(argv[1].substr(0, 128)) +
                      "'. Try SCRIPT HELP.");
}

}  // namespace apicached::redis::scripting
