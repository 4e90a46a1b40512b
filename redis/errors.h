// The error texts of Redis 7.0.15 that several commands share (server.c's shared.* objects and
// the common helpers), and the mapping of the cache layer's Status to a Redis error. A Reply
// error's text starts with its code ("ERR", "NOAUTH", ...), without the '-'.
//
// Thread safety: constants and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "redis/reply.h"
#include "storage/status.h"

namespace apicached::redis::err {

inline constexpr std::string_view kSyntax = "ERR syntax error";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kDbRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";

inline Reply Error(std::string_view text) {
  return Reply::Error(std::string(text));
}

// "ERR wrong number of arguments for 'NAME' command" (NAME: the full name, "client|setname").
Reply WrongArity(std::string_view fullname);

// "ERR invalid expire time in 'NAME' command".
Reply InvalidExpire(std::string_view fullname);

// A refused cache-layer call as a Redis error. Fixed texts only (no client byte, no path):
//   TooLarge          "ERR string exceeds maximum allowed size (max-value-bytes)"
//   InvalidArgument   "ERR invalid key or value for apicached (keys are 1 to max-key-bytes bytes)"
//   ResourceExhausted "OOM command not allowed: the namespace limit is reached (max-namespaces)"
//   Unavailable       "ERR apicached store temporarily unavailable"
//   PreconditionFailed "ERR apicached transaction aborted: keys it read kept changing through
//                       another protocol; nothing was applied" (EXEC only)
//   anything else     "ERR apicached internal error"
Reply FromStatus(const Status& status);

}  // namespace apicached::redis::err
