// The `redis` table a script sees (call, pcall, log, sha1hex, error_reply, status_reply,
// setresp, set_repl, replicate_commands, breakpoint, debug, the LOG_* and REPL_* constants,
// REDIS_VERSION), Redis 7's pcall (an error table caught becomes its message), math.random and
// math.randomseed on Rand48, the error handler that adds the script position to an error, and
// the time-limit hook. Internal to redis/scripting/; the functions read the running script from
// ContextOf(L).
#pragma once

#include <cstdint>
#include <lua.hpp>
#include <string>

namespace apicached::redis::scripting {

// The Redis version whose scripting behaviour the engine follows (redis.REDIS_VERSION).
inline constexpr const char* kRedisVersion = "7.0.15";
inline constexpr int kRedisVersionNum = 0x07000f;

// Sets the global `redis` and replaces pcall, math.random and math.randomseed in the globals
// of `L` (before the sandbox locks them). May raise a Lua error: call in protected mode.
void RegisterRedisApi(lua_State* L);

// The lua_pcall error handler: turns any error into Redis's error table {err="...", source=,
// line=} (a string error becomes "ERR <string>"), the position being the innermost Lua function.
int ScriptErrorHandler(lua_State* L);

// The count hook: aborts the running script once its deadline passes (and keeps aborting it,
// so pcall cannot swallow the abort).
void ScriptTimeHook(lua_State* L, lua_Debug* ar);

// The message (without "ERR ") of a script aborted by the time limit.
std::string TimeLimitMessage(int64_t limit_ms);

// Instructions between two checks of the clock.
inline constexpr int kHookInstructions = 10000;

}  // namespace apicached::redis::scripting
