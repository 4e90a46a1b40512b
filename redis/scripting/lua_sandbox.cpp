#include "redis/scripting/lua_sandbox.h"

#include <string>

#include "redis/scripting/lua_redis_api.h"

namespace apicached::redis::scripting {
namespace {

// Registry keys (their addresses are unique light userdata).
char kRealGlobalsKey;  // the real global table
char kProxiesKey;      // weak-keyed: proxy -> real table

constexpr const char* kReadonly = "Attempt to modify a readonly table";

void PushRegistry(lua_State* L, char* key) {
  lua_pushlightuserdata(L, key);
  lua_rawget(L, LUA_REGISTRYINDEX);
}

// Replaces the table at `index` by the real table when it is a proxy.
void SeeThrough(lua_State* L, int index) {
  PushRegistry(L, &kProxiesKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  if (lua_istable(L, -1)) {
    lua_replace(L, index);
    lua_pop(L, 1);
  } else {
    lua_pop(L, 2);
  }
}

bool IsProxy(lua_State* L, int index) {
  PushRegistry(L, &kProxiesKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  const bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// __newindex of every proxy; luaL_error names the script line, as Redis's VM does.
int ReadonlyNewIndex(lua_State* L) {
  return luaL_error(L, kReadonly);
}

// __index of the real global table: a missing global is an error, not nil.
int MissingGlobal(lua_State* L) {
  if (!lua_isstring(L, 2))
    return luaL_error(L, "Script attempted to access a nonexistent global variable");
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2));
}

int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) {
    lua_pushstring(L, kReadonly);  // no position: Redis raises it inside rawset, a C function
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  SeeThrough(L, 1);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int SafeNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  SeeThrough(L, 1);
  lua_settop(L, 2);
  if (lua_next(L, 1) != 0) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushcfunction(L, SafeNext);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int BinaryChunkRefused(lua_State* L) {
  lua_pushnil(L);
  lua_pushstring(L, "loading precompiled Lua chunks is not allowed");
  return 2;
}

int SafeLoadString(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const char* name = luaL_optstring(L, 2, s);
  if (IsBinaryChunk(s, len)) return BinaryChunkRefused(L);
  if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

// load(func [, chunkname]): the pieces are gathered first (the memory limit bounds them), so the
// whole chunk can be checked before it is parsed.
int SafeLoad(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* name = luaL_optstring(L, 2, "=(load)");
  luaL_Buffer b;
  lua_settop(L, 2);
  luaL_buffinit(L, &b);
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    if (lua_objlen(L, -1) == 0) {
      lua_pop(L, 1);
      break;
    }
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  if (IsBinaryChunk(s, len)) return BinaryChunkRefused(L);
  if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

// Pushes a read-only proxy of the table at the top of the stack, which it pops.
void MakeProxy(lua_State* L) {
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // no getmetatable/setmetatable on it
  lua_setmetatable(L, -2);
  PushRegistry(L, &kProxiesKey);  // proxies[proxy] = real
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -4);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_remove(L, -2);
}

void SetGlobalFunction(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setglobal(L, name);
}

}  // namespace

bool IsBinaryChunk(const char* chunk, size_t len) {
  return len > 0 && chunk[0] == LUA_SIGNATURE[0];
}

void OpenSandbox(lua_State* L) {
  // proxies: weak keys, so nothing else keeps a proxy alive.
  lua_pushlightuserdata(L, &kProxiesKey);
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  for (const char* name : {"print", "dofile", "loadfile", "getfenv", "setfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  SetGlobalFunction(L, "rawset", SafeRawset);
  SetGlobalFunction(L, "rawget", SafeRawget);
  SetGlobalFunction(L, "next", SafeNext);
  SetGlobalFunction(L, "pairs", SafePairs);
  SetGlobalFunction(L, "loadstring", SafeLoadString);
  SetGlobalFunction(L, "load", SafeLoad);
  RegisterRedisApi(L);

  // Every library table becomes a proxy; the string metatable reads through the proxy too.
  lua_pushvalue(L, LUA_GLOBALSINDEX);  // real globals G
  for (const char* lib : {"string", "table", "math", "coroutine", "redis"}) {
    lua_getfield(L, -1, lib);
    MakeProxy(L);
    lua_setfield(L, -2, lib);
  }
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);  // G, "", string metatable M
  lua_getfield(L, -3, "string");
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  MakeProxy(L);
  lua_setfield(L, -2, "__metatable");  // getmetatable("") answers a read-only view of M
  lua_pop(L, 2);

  // G's own metatable makes a missing global an error; the proxy of G becomes the globals.
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushlightuserdata(L, &kRealGlobalsKey);
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -1);
  MakeProxy(L);  // G, proxy
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

void SetScriptGlobal(lua_State* L, const char* name) {
  PushRegistry(L, &kRealGlobalsKey);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);  // G has no __newindex: a raw set
  lua_pop(L, 1);
}

}  // namespace apicached::redis::scripting
