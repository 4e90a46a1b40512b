#include "redis/scripting/lua_redis_api.h"

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "redis/scripting/lua_context.h"
#include "redis/scripting/lua_reply.h"
#include "redis/scripting/sha1.h"

namespace apicached::redis::scripting {
namespace {

constexpr size_t kMaxLogBytes = 8192;

// Raises Redis's error table for `message` (a message without a code gets "ERR").
int RaiseError(lua_State* L, std::string_view message) {
  PushErrorTable(L, message);
  return lua_error(L);
}

ScriptRun& RunOrRaise(lua_State* L, const char* what) {
  ScriptRun* run = ContextOf(L).run;
  if (run == nullptr) {
    RaiseError(L, std::string(what) + " can only be called inside a script invocation");
  }
  return *run;
}

// redis.call (raise) and redis.pcall: the arguments as a command, its reply as a Lua value.
int GenericCall(lua_State* L, bool raise) {
  ScriptRun& run = RunOrRaise(L, "redis.call/pcall");
  const int argc = lua_gettop(L);
  const char* arg_error = nullptr;
  Argv argv;
  if (argc == 0) arg_error = "Please specify at least one argument for this redis lib call";
  argv.reserve(static_cast<size_t>(argc));
  for (int j = 1; j <= argc && arg_error == nullptr; ++j) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      // Not lua_tolstring: Lua's "%.14g" loses precision; Redis formats with "%.17g".
      char buf[64];
      const int n =
          std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, j)));
      argv.emplace_back(buf, static_cast<size_t>(n));
    } else if (lua_type(L, j) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, j, &len);
      argv.emplace_back(s, len);
    } else {
      arg_error = "Lua redis lib command arguments must be strings or integers";
    }
  }
  lua_settop(L, 0);
  if (arg_error != nullptr) {
    PushErrorTable(L, arg_error);
    return raise ? lua_error(L) : 1;
  }
  Reply reply;
  if (run.read_only && run.is_write != nullptr && *run.is_write && (*run.is_write)(argv[0])) {
    reply = Reply::Error("ERR Write commands are not allowed from read-only scripts.");
  } else {
    try {
      reply = (*run.call)(argv);
    } catch (const std::exception& e) {
      reply = Reply::Error("ERR " + SingleLine(e.what()));
    } catch (...) {  // only `call` runs in the try block: no Lua error can be caught here
      reply = Reply::Error("ERR the command failed with an unknown exception");
    }
  }
  argv.clear();
  PushReply(L, reply, run.resp);
  if (raise && reply.is_error()) return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) {
  return GenericCall(L, true);
}
int RedisPcall(lua_State* L) {
  return GenericCall(L, false);
}

int RedisSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  const std::string hex = Sha1Hex(s != nullptr ? std::string_view(s, len) : std::string_view());
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  const std::string err = lua_tostring(L, -1);
  PushErrorTable(L, err.starts_with("-") ? err : "-" + err);
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "ok");
  return 1;
}

// Bytes a log line can carry: printable ASCII as is, the rest as \xNN.
std::string EscapeForLog(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (out.size() >= kMaxLogBytes) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

int RedisLog(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  const lua_Number level = lua_tonumber(L, 1);
  if (!(level >= 0 && level <= 3)) return RaiseError(L, "Invalid debug level.");
  std::string message;
  for (int j = 2; j <= argc; ++j) {
    size_t len = 0;
    const char* s = lua_tolstring(L, j, &len);
    if (s == nullptr) continue;
    if (j != 2) message += ' ';
    message.append(s, std::min(len, kMaxLogBytes));
    if (message.size() > kMaxLogBytes) break;
  }
  LuaContext& ctx = ContextOf(L);
  if (ctx.log) {
    const std::string line = EscapeForLog(message);
    ctx.log(static_cast<ScriptLogLevel>(static_cast<int>(level)), line);
  }
  return 0;
}

int RedisSetResp(lua_State* L) {
  ScriptRun& run = RunOrRaise(L, "redis.setresp");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  const lua_Number resp = lua_tonumber(L, 1);
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  run.resp = static_cast<int>(resp);
  return 0;
}

// Replication does not exist here; the flags are checked as Redis checks them, then ignored.
int RedisSetRepl(lua_State* L) {
  RunOrRaise(L, "redis.set_repl");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  const auto flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) {
    return RaiseError(
        L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}

int ReturnTrue(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int ReturnFalse(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int ReturnNothing(lua_State*) {
  return 0;
}

// Redis 7's pcall: as Lua's, except that an error table with an `err` string is caught as that
// string (what scripts written for Redis 6 expect).
int LuaPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) {  // Redis's pcall() then calls its own placeholder and fails the same way
    lua_pushboolean(L, 0);
    lua_pushstring(L, "attempt to call a nil value");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// Lua 5.1's math.random with Redis's generator instead of the C library's rand().
int MathRandom(lua_State* L) {
  Rand48& rand = ContextOf(L).rand;
  RunOrRaise(L, "math.random");
  const lua_Number r =
      static_cast<lua_Number>(rand.Next() % Rand48::kMax) / static_cast<lua_Number>(Rand48::kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  RunOrRaise(L, "math.randomseed");
  ContextOf(L).rand.Seed(luaL_checkint(L, 1));
  return 0;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

}  // namespace

void RegisterRedisApi(lua_State* L) {
  lua_pushcfunction(L, LuaPcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFunction(L, "call", RedisCall);
  SetFunction(L, "pcall", RedisPcall);
  SetFunction(L, "log", RedisLog);
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  SetFunction(L, "setresp", RedisSetResp);
  SetFunction(L, "sha1hex", RedisSha1hex);
  SetFunction(L, "error_reply", RedisErrorReply);
  SetFunction(L, "status_reply", RedisStatusReply);
  SetFunction(L, "set_repl", RedisSetRepl);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  SetFunction(L, "replicate_commands", ReturnTrue);
  SetFunction(L, "breakpoint", ReturnFalse);  // no debugger: never stops
  SetFunction(L, "debug", ReturnNothing);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  SetFunction(L, "random", MathRandom);
  SetFunction(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);
}

int ScriptErrorHandler(lua_State* L) {
  lua_settop(L, 1);
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) != 0 && lua_getinfo(L, "nSl", &ar) != 0;
  if (have && std::string_view(ar.what) == "C") {
    have = lua_getstack(L, 2, &ar) != 0 && lua_getinfo(L, "nSl", &ar) != 0;
  }
  if (!lua_istable(L, 1)) {
    std::string msg = "ERR ";
    switch (lua_type(L, 1)) {
      case LUA_TSTRING:
      case LUA_TNUMBER:
        msg += lua_tostring(L, 1);
        break;
      case LUA_TNIL:
        msg += "nil";
        break;
      case LUA_TBOOLEAN:
        msg += lua_toboolean(L, 1) ? "true" : "false";
        break;
      default:
        msg += luaL_typename(L, 1);
        break;
    }
    lua_newtable(L);
    lua_pushlstring(L, msg.data(), msg.size());
    lua_setfield(L, -2, "err");
    lua_replace(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushnumber(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  return 1;
}

std::string TimeLimitMessage(int64_t limit_ms) {
  return "Script ran longer than the " + std::to_string(limit_ms) +
         " ms limit (lua-time-limit) and was aborted; writes it made before stay";
}

void ScriptTimeHook(lua_State* L, lua_Debug*) {
  LuaContext& ctx = ContextOf(L);
  if (ctx.run == nullptr) return;
  if (!ctx.run->timed_out) {
    if (ctx.clock->NowMillis() < ctx.run->deadline_ms) return;
    ctx.run->timed_out = true;
    // From now on every line and instruction raises again, so no pcall can keep it running.
    lua_sethook(L, ScriptTimeHook, LUA_MASKCOUNT | LUA_MASKLINE, 1);
  }
  RaiseError(L, TimeLimitMessage(ctx.time_limit_ms));
}

}  // namespace apicached::redis::scripting
