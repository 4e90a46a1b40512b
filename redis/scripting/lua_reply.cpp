#include "redis/scripting/lua_reply.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

namespace apicached::redis::scripting {
namespace {

constexpr int kMaxDepth = 1000;
constexpr size_t kElementCost = 16;

// Trims CR and LF at both ends (Redis's sdstrim(msg, "\r\n")).
std::string_view TrimNewlines(std::string_view s) {
  while (!s.empty() && (s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Redis's RESP2 rendering of a double reply ("%.17g", "inf", "-inf").
std::string DoubleText(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

void SetField(lua_State* L, const char* key, std::string_view value) {
  lua_pushlstring(L, value.data(), value.size());
  lua_setfield(L, -2, key);
}

void PushReplyAt(lua_State* L, const Reply& r, int resp, int depth) {
  luaL_checkstack(L, 4, "reached lua stack limit");
  if (depth > kMaxDepth) {  // the executor bounds nesting; never recurse without a bound
    lua_pushboolean(L, 0);
    return;
  }
  using K = Reply::Kind;
  switch (r.kind) {
    case K::kSimple:
      lua_newtable(L);
      SetField(L, "ok", r.text);
      return;
    case K::kError:
      PushErrorTable(L, "-" + r.text);
      return;
    case K::kInteger:
      lua_pushnumber(L, static_cast<lua_Number>(r.integer));
      return;
    case K::kBulk:
      lua_pushlstring(L, r.text.data(), r.text.size());
      return;
    case K::kNull:
    case K::kNullArray:
      if (resp == 2) {
        lua_pushboolean(L, 0);
      } else {
        lua_pushnil(L);
      }
      return;
    case K::kArray:
      break;
    case K::kMap:
      if (resp == 2) break;  // a flat array of keys and values
      lua_newtable(L);
      lua_newtable(L);
      for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
        PushReplyAt(L, r.elements[i], resp, depth + 1);
        PushReplyAt(L, r.elements[i + 1], resp, depth + 1);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "map");
      return;
    case K::kSet:
      if (resp == 2) break;
      lua_newtable(L);
      lua_newtable(L);
      for (const Reply& e : r.elements) {
        PushReplyAt(L, e, resp, depth + 1);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "set");
      return;
    case K::kDouble:
      if (resp == 2) {
        const std::string text = DoubleText(r.number);
        lua_pushlstring(L, text.data(), text.size());
      } else {
        lua_newtable(L);
        lua_pushnumber(L, r.number);
        lua_setfield(L, -2, "double");
      }
      return;
    case K::kBoolean:
      if (resp == 2) {
        lua_pushnumber(L, r.integer != 0 ? 1 : 0);
      } else {
        lua_pushboolean(L, r.integer != 0);
      }
      return;
    case K::kVerbatim:
      if (resp == 2) {
        lua_pushlstring(L, r.text.data(), r.text.size());
      } else {
        lua_newtable(L);
        lua_newtable(L);
        SetField(L, "string", r.text);
        SetField(L, "format", "txt");
        lua_setfield(L, -2, "verbatim_string");
      }
      return;
  }
  // Arrays, and RESP2's rendering of maps and sets.
  lua_createtable(L, static_cast<int>(std::min<size_t>(r.elements.size(), 1 << 20)), 0);
  for (size_t i = 0; i < r.elements.size(); ++i) {
    PushReplyAt(L, r.elements[i], resp, depth + 1);
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// Reads t[key] without metamethods (Redis uses lua_rawget); pushes the value.
int RawField(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

class ReplyBuilder {
 public:
  ReplyBuilder(lua_State* L, int resp, size_t max_bytes) : L_(L), resp_(resp), left_(max_bytes) {}

  bool exceeded() const { return exceeded_; }

  // Converts the value at the top of the stack, leaving the stack as it was.
  Reply Convert(int depth) {
    if (!Charge(kElementCost)) return Reply::Null();
    luaL_checkstack(L_, 4, "reached lua stack limit");
    switch (lua_type(L_, -1)) {
      case LUA_TSTRING: {
        size_t len = 0;
        const char* s = lua_tolstring(L_, -1, &len);
        if (!Charge(len)) return Reply::Null();
        return Reply::Bulk(std::string(s, len));
      }
      case LUA_TBOOLEAN:
        if (resp_ == 3) return Reply::Boolean(lua_toboolean(L_, -1) != 0);
        return lua_toboolean(L_, -1) ? Reply::Integer(1) : Reply::Null();
      case LUA_TNUMBER:
        return Reply::Integer(LuaNumberToInteger(lua_tonumber(L_, -1)));
      case LUA_TTABLE:
        if (depth > kMaxDepth) return Reply::Error("ERR reached lua stack limit");
        return Table(depth);
      default:
        return Reply::Null();
    }
  }

 private:
  bool Charge(size_t bytes) {
    if (exceeded_ || bytes > left_) {
      exceeded_ = true;
      return false;
    }
    left_ -= bytes;
    return true;
  }

  // Pops the string at the top of the stack, CR and LF made spaces ("" when not a string).
  std::string TakeLine() {
    size_t len = 0;
    const char* s = lua_tolstring(L_, -1, &len);
    std::string line = s != nullptr ? SingleLine(std::string_view(s, len)) : std::string();
    lua_pop(L_, 1);
    return line;
  }

  Reply Table(int depth) {
    if (RawField(L_, "err") == LUA_TSTRING) {
      lua_pop(L_, 1);
      lua_getfield(L_, -1, "err");  // Redis reads the message with lua_getfield
      std::string msg = TakeLine();
      return Charge(msg.size()) ? Reply::Error(std::move(msg)) : Reply::Null();
    }
    lua_pop(L_, 1);
    if (RawField(L_, "ok") == LUA_TSTRING) {
      std::string text = TakeLine();
      return Charge(text.size()) ? Reply::Simple(std::move(text)) : Reply::Null();
    }
    lua_pop(L_, 1);
    if (RawField(L_, "double") == LUA_TNUMBER) {
      const double d = lua_tonumber(L_, -1);
      lua_pop(L_, 1);
      return Reply::Double(d);
    }
    lua_pop(L_, 1);
    if (RawField(L_, "big_number") == LUA_TSTRING) {
      std::string text = TakeLine();  // RESP2 renders a big number as a bulk string
      return Charge(text.size()) ? Reply::Bulk(std::move(text)) : Reply::Null();
    }
    lua_pop(L_, 1);
    if (RawField(L_, "verbatim_string") == LUA_TTABLE) {
      if (RawField(L_, "format") == LUA_TSTRING) {
        lua_pop(L_, 1);
        if (RawField(L_, "string") == LUA_TSTRING) {
          size_t len = 0;
          const char* s = lua_tolstring(L_, -1, &len);
          std::string text(s, len);
          lua_pop(L_, 2);
          if (!Charge(text.size())) return Reply::Null();
          return Reply::Verbatim(std::move(text));
        }
      }
      lua_pop(L_, 1);
    }
    lua_pop(L_, 1);
    if (RawField(L_, "map") == LUA_TTABLE) {
      std::vector<Reply> kv;
      lua_pushnil(L_);
      while (lua_next(L_, -2) != 0) {  // stack: table, map, key, value
        lua_pushvalue(L_, -2);
        kv.push_back(Convert(depth + 1));
        lua_pop(L_, 1);
        kv.push_back(Convert(depth + 1));
        lua_pop(L_, 1);
        if (exceeded_) break;
      }
      if (exceeded_) lua_pop(L_, 1);  // the key lua_next left
      lua_pop(L_, 1);
      return Reply::Map(std::move(kv));
    }
    lua_pop(L_, 1);
    if (RawField(L_, "set") == LUA_TTABLE) {
      std::vector<Reply> members;
      lua_pushnil(L_);
      while (lua_next(L_, -2) != 0) {
        lua_pop(L_, 1);
        members.push_back(Convert(depth + 1));
        if (exceeded_) break;
      }
      if (exceeded_) lua_pop(L_, 1);
      lua_pop(L_, 1);
      return Reply::Set(std::move(members));
    }
    lua_pop(L_, 1);
    std::vector<Reply> elements;
    for (int j = 1; !exceeded_; ++j) {
      lua_rawgeti(L_, -1, j);
      if (lua_type(L_, -1) == LUA_TNIL) {
        lua_pop(L_, 1);
        break;
      }
      elements.push_back(Convert(depth + 1));
      lua_pop(L_, 1);
    }
    return Reply::Array(std::move(elements));
  }

  lua_State* L_;
  int resp_;
  size_t left_;
  bool exceeded_ = false;
};

}  // namespace

std::string SingleLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

int64_t LuaNumberToInteger(lua_Number n) {
  // x86-64's cvttsd2si yields INT64_MIN for NaN and out-of-range values; C++ leaves them
  // undefined, so say it explicitly.
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(n);
}

void PushErrorTable(lua_State* L, std::string_view raw) {
  std::string code = "ERR";
  std::string_view msg = raw;
  if (!raw.empty() && raw.front() == '-') {
    const size_t space = raw.find(' ');
    if (space == std::string_view::npos) {
      msg = raw.substr(1);
    } else {
      code = std::string(raw.substr(1, space - 1));
      msg = raw.substr(space + 1);
    }
  }
  std::string text = code;
  text += ' ';
  text += TrimNewlines(msg);
  luaL_checkstack(L, 3, "reached lua stack limit");
  lua_newtable(L);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, "err");
}

void PushReply(lua_State* L, const Reply& reply, int resp) {
  PushReplyAt(L, reply, resp, 0);
}

Reply ToReply(lua_State* L, int resp, size_t max_bytes) {
  ReplyBuilder builder(L, resp, max_bytes);
  Reply r = builder.Convert(0);
  if (builder.exceeded()) {
    return Reply::Error("ERR the script's reply is larger than the " + std::to_string(max_bytes) +
                        "-byte limit");
  }
  return r;
}

}  // namespace apicached::redis::scripting
