// LuaVm: one sandboxed Lua 5.1 state with a counting allocator, the compiled scripts (stored in
// the registry by SHA-1), and the run of one script under a time and a memory limit.
// Internal to redis/scripting/; ScriptEngine decides what to compile, keep and drop.
//
// Every Lua call happens in protected mode (lua_cpcall), so no input reaches Lua's panic
// handler; the library is Lua built as C++, so a Lua error unwinds C++ frames.
//
// Thread safety: none; the engine's mutex guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <lua.hpp>
#include <span>
#include <string>
#include <string_view>

#include "redis/reply.h"
#include "redis/scripting/lua_context.h"
#include "storage/clock.h"

namespace apicached::redis::scripting {

class LuaVm {
 public:
  struct Limits {
    int64_t time_limit_ms = 0;
    size_t memory_limit_bytes = 0;
    size_t max_reply_bytes = 0;
  };

  // Throws std::runtime_error when the state cannot be built (no memory at startup).
  LuaVm(Limits limits, const Clock& clock,
        std::function<void(ScriptLogLevel, std::string_view)> log);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  // Compiles `code` (the body with any shebang line blanked, so line numbers stay) as the
  // function of `sha`. Returns "" or the error reply text ("ERR Error compiling script ...").
  std::string Compile(const std::string& sha, std::string_view code);

  // Forgets the function of `sha`.
  void Drop(const std::string& sha);

  // Runs the compiled function of `sha` with KEYS and ARGV. `run` says where redis.call goes.
  // Returns the script's reply, or Redis's error for a script error, or the limits' errors.
  Reply Run(const std::string& sha, std::span<const std::string> keys,
            std::span<const std::string> args, ScriptRun& run);

  // Replaces the state by a fresh one (SCRIPT FLUSH); math.random's sequence continues.
  // Throws std::runtime_error, keeping the current state, when the new one cannot be built.
  void Reset();

  size_t memory_used() const { return context_.memory_used; }

 private:
  struct RunCall;
  static void* Allocate(void* ud, void* ptr, size_t osize, size_t nsize);
  static int OpenProtected(lua_State* L);
  static int CompileProtected(lua_State* L);
  static int RunProtected(lua_State* L);
  void Open();
  void Close();

  Limits limits_;
  LuaContext context_;  // before state_: the allocator uses it until lua_close returns
  lua_State* state_ = nullptr;
};

}  // namespace apicached::redis::scripting
