// LuaContext: what the C functions a script calls (redis.call, math.random, the time-limit hook,
// the allocator) need from the engine. One per Lua state, reachable from the state as the
// allocator's userdata (ContextOf), so no C function needs a global or an upvalue.
// Internal to redis/scripting/.
//
// Thread safety: none; the engine's mutex guards the state and its context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <lua.hpp>
#include <string_view>

#include "redis/reply.h"
#include "redis/scripting/rand48.h"
#include "redis/scripting/script_engine.h"
#include "storage/clock.h"

namespace apicached::redis::scripting {

// One script invocation: where redis.call goes and what the script may do.
struct ScriptRun {
  const std::function<Reply(const Argv&)>* call = nullptr;
  const std::function<bool(std::string_view)>* is_write = nullptr;  // may be empty
  bool read_only = false;  // EVAL_RO / EVALSHA_RO, or the no-writes shebang flag
  int resp = 2;            // redis.setresp(): the protocol redis.call's replies convert from
  int64_t deadline_ms = 0;
  bool timed_out = false;
};

struct LuaContext {
  const Clock* clock = nullptr;
  std::function<void(ScriptLogLevel, std::string_view)> log;  // may be empty
  Rand48 rand;
  ScriptRun* run = nullptr;  // the running script; null between invocations
  int64_t time_limit_ms = 0;
  size_t memory_used = 0;        // bytes the Lua state holds now
  size_t memory_limit = 0;       // allocations beyond it fail (Lua raises "not enough memory")
  bool memory_exceeded = false;  // an allocation was refused during this run
};

inline LuaContext& ContextOf(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<LuaContext*>(ud);
}

}  // namespace apicached::redis::scripting
