// The sandbox a script runs in, like Redis 7's: the base, table, string and math libraries and
// `redis`; no os, io, package, debug, print, dofile, loadfile, getfenv, setfenv, newproxy (the
// machine's redis-server has none of them). Every global and every library table is read-only
// ("Attempt to modify a readonly table"), and reading a global that does not exist raises
// "Script attempted to access nonexistent global variable 'x'".
//
// Redis gets read-only tables from its patched Lua; Debian's Lua has none, so here each
// library table and the global table itself are empty proxies whose metatable reads through to
// the real table and refuses writes, and rawset/rawget/next/pairs see through the proxies.
// load/loadstring refuse precompiled (binary) chunks: Debian's Lua loads them unchecked, and
// crafted bytecode escapes any sandbox (Redis removed bytecode loading for that reason).
//
// Internal to redis/scripting/.
#pragma once

#include <lua.hpp>

namespace apicached::redis::scripting {

// Builds the sandboxed globals in a fresh state. Raises a Lua error on failure (out of
// memory): call in protected mode.
void OpenSandbox(lua_State* L);

// Sets the global `name` (KEYS, ARGV) to the value at the top of the stack, popping it,
// through the lock. May raise a Lua error.
void SetScriptGlobal(lua_State* L, const char* name);

// Whether `chunk` is a precompiled Lua chunk (which scripts may not load).
bool IsBinaryChunk(const char* chunk, size_t len);

}  // namespace apicached::redis::scripting
