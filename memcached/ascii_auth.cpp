#include "memcached/ascii_auth.h"

#include "memcached/numbers.h"
#include "memcached/replies.h"
#include "memcached/tokens.h"

namespace apicached::memcached {

AuthAttempt ParseAuth(std::string_view buffer, const ParserOptions& options) {
  using Kind = ParseResult::Kind;
  AuthAttempt a;
  const size_t newline = buffer.find('\n');
  if (newline == std::string_view::npos) {
    if (buffer.size() > options.max_line_bytes) a.result.kind = Kind::kClose;
    return a;
  }
  const size_t line_bytes = newline + 1;
  // As memcached: the "\r" stays in the line; a number parse stops at it.
  const detail::Tokens t = detail::Tokenize(buffer.substr(0, newline));
  std::optional<uint32_t> size;
  if (t.size >= 5 && t.token[0] == "set") size = ParseU32(t.token[4]);
  if (!size) {
    a.result.kind = Kind::kReply;
    a.result.consumed = line_bytes;
    a.result.reply = reply::kUnauthenticated;
    return a;
  }
  if (*size > kMaxAuthBytes) {
    a.result.kind = Kind::kClose;
    a.result.consumed = line_bytes;
    return a;
  }
  const size_t block = size_t{*size} + 2;
  if (buffer.size() - line_bytes < block) return a;  // kNeedMore
  a.result.consumed = line_bytes + block;
  const std::string_view payload = buffer.substr(line_bytes, block);
  if (!payload.ends_with("\r\n")) {
    a.result.kind = Kind::kReply;
    a.result.reply = reply::kAuthBadTermination;
    return a;
  }
  const detail::Tokens creds = detail::Tokenize(payload.substr(0, *size));
  if (creds.size < 2) {
    a.result.kind = Kind::kReply;
    a.result.reply = reply::kAuthBadFormat;
    return a;
  }
  a.result.kind = Kind::kCommand;
  a.user = creds.token[0];
  a.password = creds.token[1];
  return a;
}

}  // namespace apicached::memcached
