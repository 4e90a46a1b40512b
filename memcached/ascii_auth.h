// memcached's ASCII authentication (memcached -Y, proto_text.c try_read_command_asciiauth): on a
// connection that must authenticate, the first command is a "set" whose data block is
// "<user> <password>":
//
//   set <any key> <any flags> <any exptime> <bytes>\r\n<user> <password>\r\n
//
// Anything else is answered "CLIENT_ERROR unauthenticated" (and read past) until it succeeds.
// apicached checks the password against its bearer token and ignores the user name (any
// non-empty one will do); the session answers "STORED" or "CLIENT_ERROR authentication failure".
//
// Bound: a data block over kMaxAuthBytes closes the connection (memcached would read it all).
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include "memcached/parser.h"

namespace apicached::memcached {

inline constexpr size_t kMaxAuthBytes = 4096;

struct AuthAttempt {
  // kNeedMore, kReply (`reply`: an error; still unauthenticated), kClose, or kCommand: check
  // `user` and `password` (views into the buffer).
  ParseResult result;
  std::string_view user;
  std::string_view password;
};

AuthAttempt ParseAuth(std::string_view buffer, const ParserOptions& options);

}  // namespace apicached::memcached
