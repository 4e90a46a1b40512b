// Conversions between Reply and Lua values with Redis 7's rules (script_lua.c). Internal to
// redis/scripting/. Every function may raise a Lua error (out of memory): call them from a
// protected Lua call only. The library is linked as Lua built for C++, so such an error unwinds
// C++ frames (destructors run).
//
// Command reply -> Lua (redis.call's result), RESP2 (the default): integer -> number, bulk ->
// string, null bulk / null array -> false, array -> table, status -> {ok=text}, error ->
// {err="CODE msg"}; the RESP3-only kinds as Redis's RESP2 rendering (map: flat array, set:
// array, double: string "%.17g", boolean: 1/0, verbatim: string). After redis.setresp(3): null
// -> nil, map -> {map={k=v}}, set -> {set={e=true}}, double -> {double=n}, boolean -> boolean,
// verbatim -> {verbatim_string={format="txt", string=s}}.
//
// Lua -> Reply (the script's result): string -> bulk, number -> integer (truncated toward zero;
// NaN and out of range -> INT64_MIN as Redis on x86-64), true -> integer 1 (RESP3: boolean),
// false/nil -> null, a table with a string `err` -> error, with a string `ok` -> status (CR/LF
// -> spaces), `double`, `big_number`, `verbatim_string`, `map`, `set` as Redis, any other
// table -> array up to its first nil.
#pragma once

#include <cstddef>
#include <lua.hpp>
#include <string_view>

#include "redis/reply.h"

namespace apicached::redis::scripting {

// Pushes Redis's error table for `raw`: "-CODE msg" becomes {err="CODE msg"}, a message
// without a leading '-' becomes {err="ERR msg"}; CR/LF at either end are trimmed.
void PushErrorTable(lua_State* L, std::string_view raw);

// Pushes the Lua value of a command reply for a script in RESP `resp` (2 or 3).
void PushReply(lua_State* L, const Reply& reply, int resp);

// Converts the value at the top of the stack (left there) into the script's reply. The reply
// holds at most `max_bytes` (strings plus 16 bytes per element) and nests at most 1000 deep;
// beyond, the answer is an error.
Reply ToReply(lua_State* L, int resp, size_t max_bytes);

// Lua number -> integer as Redis's (long long) cast behaves on x86-64.
int64_t LuaNumberToInteger(lua_Number n);

// Replaces CR and LF with spaces (status and error lines).
std::string SingleLine(std::string_view text);

}  // namespace apicached::redis::scripting
