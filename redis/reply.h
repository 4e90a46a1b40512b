// Reply: one RESP value as a Redis command answers it, independent of the protocol version. The
// writer (redis/resp_writer.*) renders it as RESP2 or RESP3 (after HELLO 3); the scripting engine
// (redis/scripting/) converts it to and from Lua values with Redis 7's rules. Commands build
// Replies, never wire bytes, so one command implementation serves the socket, MULTI/EXEC and
// redis.call() alike.
//
// RESP2 rendering of the RESP3-only kinds follows Redis 7: kMap as a flat array of key, value
// pairs; kSet as an array; kDouble as a bulk string; kBoolean as the integer 1 or 0; kNull as
// the null bulk string "$-1"; kNullArray as "*-1"; kVerbatim as a bulk string of the text.
//
// Thread safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace apicached::redis {

struct Reply {
  enum class Kind {
    kSimple,     // +OK (text: without CR/LF; the writer refuses CR/LF)
    kError,      // -ERR ... (text: the whole message, prefix included, e.g. "ERR syntax error")
    kInteger,    // :42
    kBulk,       // $3 foo (text: binary-safe)
    kNull,       // RESP2 $-1, RESP3 _
    kNullArray,  // RESP2 *-1, RESP3 _
    kArray,      // *N (elements)
    kMap,        // RESP3 %N; elements hold key, value, key, value ...
    kSet,        // RESP3 ~N (elements)
    kDouble,     // RESP3 ,1.5 (number)
    kBoolean,    // RESP3 #t / #f (integer: 1 or 0)
    kVerbatim,   // RESP3 =N txt:... (text, without the "txt:" prefix)
  };

  Kind kind = Kind::kNull;
  std::string text;
  int64_t integer = 0;
  double number = 0;
  std::vector<Reply> elements;

  static Reply Simple(std::string s) { return Reply{Kind::kSimple, std::move(s), 0, 0, {}}; }
  static Reply Ok() { return Simple("OK"); }
  static Reply Error(std::string s) { return Reply{Kind::kError, std::move(s), 0, 0, {}}; }
  static Reply Integer(int64_t i) { return Reply{Kind::kInteger, {}, i, 0, {}}; }
  static Reply Bulk(std::string s) { return Reply{Kind::kBulk, std::move(s), 0, 0, {}}; }
  static Reply Null() { return Reply{}; }
  static Reply NullArray() { return Reply{Kind::kNullArray, {}, 0, 0, {}}; }
  static Reply Array(std::vector<Reply> e) { return Reply{Kind::kArray, {}, 0, 0, std::move(e)}; }
  static Reply Map(std::vector<Reply> kv) { return Reply{Kind::kMap, {}, 0, 0, std::move(kv)}; }
  static Reply Set(std::vector<Reply> e) { return Reply{Kind::kSet, {}, 0, 0, std::move(e)}; }
  static Reply Double(double d) { return Reply{Kind::kDouble, {}, 0, d, {}}; }
  static Reply Boolean(bool b) { return Reply{Kind::kBoolean, {}, b ? 1 : 0, 0, {}}; }
  static Reply Verbatim(std::string s) { return Reply{Kind::kVerbatim, std::move(s), 0, 0, {}}; }

  bool is_error() const { return kind == Kind::kError; }
};

// The arguments of one command, the command name first (as sent; commands match it without
// regard to case). Binary-safe.
using Argv = std::vector<std::string>;

}  // namespace apicached::redis
