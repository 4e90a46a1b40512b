#include "redis/scripting/lua_vm.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "redis/scripting/lua_redis_api.h"
#include "redis/scripting/lua_reply.h"
#include "redis/scripting/lua_sandbox.h"

namespace apicached::redis::scripting {
namespace {

std::string FunctionName(const std::string& sha) {
  return "f_" + sha;
}

// The text of the error object at the top of the stack, for errors that are not tables.
std::string ErrorText(lua_State* L) {
  const char* s = lua_tostring(L, -1);
  return s != nullptr ? std::string(s) : std::string("execution failure");
}

}  // namespace

struct LuaVm::RunCall {
  const std::string* sha;
  std::span<const std::string> keys;
  std::span<const std::string> args;
  size_t max_reply_bytes;
  Reply* out;
};

struct CompileCall {
  const std::string* name;
  std::string_view code;
  std::string* error;
};

LuaVm::LuaVm(Limits limits, const Clock& clock,
             std::function<void(ScriptLogLevel, std::string_view)> log)
    : limits_(limits) {
  context_.clock = &clock;
  context_.log = std::move(log);
  context_.time_limit_ms = limits.time_limit_ms;
  Open();
}

LuaVm::~LuaVm() {
  Close();
}

void* LuaVm::Allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* ctx = static_cast<LuaContext*>(ud);
  if (nsize == 0) {
    std::free(ptr);
    ctx->memory_used -= osize;
    return nullptr;
  }
  if (nsize > osize && ctx->memory_limit != 0 &&
      ctx->memory_used - osize + nsize > ctx->memory_limit) {
    ctx->memory_exceeded = true;
    return nullptr;  // Lua raises "not enough memory"; the state stays consistent
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  ctx->memory_used = ctx->memory_used - osize + nsize;
  return p;
}

int LuaVm::OpenProtected(lua_State* L) {
  OpenSandbox(L);
  return 0;
}

void LuaVm::Open() {
  context_.memory_limit = 0;  // building the sandbox never fails on the limit
  state_ = lua_newstate(&LuaVm::Allocate, &context_);
  if (state_ == nullptr) throw std::runtime_error("scripting: cannot create a Lua state");
  if (lua_cpcall(state_, &LuaVm::OpenProtected, nullptr) != 0) {
    const std::string error = ErrorText(state_);
    Close();
    throw std::runtime_error("scripting: cannot build the Lua sandbox: " + error);
  }
  context_.memory_limit = limits_.memory_limit_bytes;
}

void LuaVm::Close() {
  if (state_ != nullptr) lua_close(state_);
  state_ = nullptr;
}

void LuaVm::Reset() {
  lua_State* old = state_;
  state_ = nullptr;
  try {
    Open();
  } catch (...) {
    state_ = old;  // keep serving with the old scripts rather than with no state at all
    throw;
  }
  lua_close(old);
}

int LuaVm::CompileProtected(lua_State* L) {
  auto* call = static_cast<CompileCall*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  if (IsBinaryChunk(call->code.data(), call->code.size())) {
    // Redis's Lua parses every chunk as text; so does this answer.
    *call->error =
        "ERR Error compiling script (new function): user_script:1: unexpected symbol "
        "near 'char(27)'";
    return 0;
  }
  const int status = luaL_loadbuffer(L, call->code.data(), call->code.size(), "@user_script");
  if (status != 0) {
    *call->error = "ERR Error compiling script (new function): " + ErrorText(L);
    lua_pop(L, 1);
    return 0;
  }
  lua_setfield(L, LUA_REGISTRYINDEX, call->name->c_str());
  return 0;
}

std::string LuaVm::Compile(const std::string& sha, std::string_view code) {
  const std::string name = FunctionName(sha);
  std::string error;
  CompileCall call{&name, code, &error};
  context_.memory_exceeded = false;
  if (lua_cpcall(state_, &LuaVm::CompileProtected, &call) != 0) {
    error = "ERR Error compiling script (new function): " + ErrorText(state_);
  }
  lua_settop(state_, 0);
  return SingleLine(error);
}

void LuaVm::Drop(const std::string& sha) {
  // Setting a field of the registry can only fail for lack of memory for the key string,
  // which Compile() interned already; lua_cpcall keeps even that from reaching the panic.
  const std::string name = FunctionName(sha);
  lua_cpcall(
      state_,
      [](lua_State* L) -> int {
        const char* n = static_cast<const char*>(lua_touserdata(L, 1));
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, n);
        return 0;
      },
      const_cast<char*>(name.c_str()));
  lua_settop(state_, 0);
}

int LuaVm::RunProtected(lua_State* L) {
  auto* call = static_cast<RunCall*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  ScriptRun& run = *ContextOf(L).run;
  lua_pushcfunction(L, ScriptErrorHandler);                              // 1
  lua_getfield(L, LUA_REGISTRYINDEX, FunctionName(*call->sha).c_str());  // 2
  if (!lua_isfunction(L, -1)) {
    *call->out = Reply::Error("NOSCRIPT No matching script. Please use EVAL.");
    return 0;
  }
  for (auto [name, values] : {std::pair{"KEYS", call->keys}, std::pair{"ARGV", call->args}}) {
    lua_createtable(L, static_cast<int>(values.size()), 0);
    for (size_t i = 0; i < values.size(); ++i) {
      lua_pushlstring(L, values[i].data(), values[i].size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
    SetScriptGlobal(L, name);
  }
  lua_sethook(L, ScriptTimeHook, LUA_MASKCOUNT, kHookInstructions);
  const int status = lua_pcall(L, 0, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  if (status == 0) {
    *call->out = ToReply(L, run.resp, call->max_reply_bytes);
    return 0;
  }
  if (!lua_istable(L, -1)) {  // out of memory (no handler runs), or an error in the handler
    *call->out = Reply::Error("ERR Error running script " + *call->sha + ", " + ErrorText(L));
    return 0;
  }
  // Redis's format: the message, then where the script raised it.
  lua_getfield(L, -1, "err");
  std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
  lua_getfield(L, -2, "source");
  lua_getfield(L, -3, "line");
  if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
    msg +=
        " script: " + *call->sha + ", on " + lua_tostring(L, -2) + ":" + lua_tostring(L, -1) + ".";
  }
  *call->out = Reply::Error(SingleLine(msg));
  return 0;
}

Reply LuaVm::Run(const std::string& sha, std::span<const std::string> keys,
                 std::span<const std::string> args, ScriptRun& run) {
  // Garbage of earlier scripts counts against the limit: collect it before it gets close.
  if (context_.memory_used > limits_.memory_limit_bytes / 2) lua_gc(state_, LUA_GCCOLLECT, 0);
  run.deadline_ms = context_.clock->NowMillis() + limits_.time_limit_ms;
  context_.run = &run;
  context_.memory_exceeded = false;
  Reply out;
  RunCall call{&sha, keys, args, limits_.max_reply_bytes, &out};
  const int status = lua_cpcall(state_, &LuaVm::RunProtected, &call);
  const std::string raised = status != 0 ? SingleLine(ErrorText(state_)) : std::string();
  lua_sethook(state_, nullptr, 0, 0);
  context_.run = nullptr;
  lua_settop(state_, 0);
  lua_gc(state_, LUA_GCRESTART, 0);  // a script may have stopped the collector
  if (context_.memory_exceeded && (status != 0 || out.is_error())) {
    lua_gc(state_, LUA_GCCOLLECT, 0);
    return Reply::Error("ERR Script needed more than the " +
                        std::to_string(limits_.memory_limit_bytes) +
                        "-byte Lua memory limit and was aborted; writes it made before stay");
  }
  if (run.timed_out && !out.is_error()) {
    return Reply::Error("ERR " + TimeLimitMessage(limits_.time_limit_ms));
  }
  if (status != 0) return Reply::Error("ERR Error running script " + sha + ", " + raised);
  return out;
}

}  // namespace apicached::redis::scripting
