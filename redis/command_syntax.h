// Each command's arguments, for COMMAND DOCS's "arguments" (redis-cli 7 builds its hints and
// HELP lines from them). A command's syntax is written once, in the notation of Redis's docs,
// and turned into Redis 7's argument maps:
//   word            an argument of type string (`key`: type key); `word:type` another type
//   TOKEN           a pure token (no lower-case letter: NX, LIB-NAME)
//   TOKEN x         a token followed by its argument; TOKEN x y: a token on a block of x y
//   [ ... ]         optional;  ( ... ) a group;  a|b|c  one of;  item...  repeated
// Thread safety: pure functions on constant data.
#pragma once

#include <string_view>

#include "redis/reply.h"

namespace apicached::redis {

// The syntax of a command of the table ("set", "client|setname"); empty when it takes no
// arguments or is unknown.
std::string_view SyntaxOf(std::string_view command);

// COMMAND DOCS's "arguments" array for a syntax (see above). REQUIRES: a well-formed syntax
// (the table's; tests parse every one).
Reply ArgumentsDoc(std::string_view syntax);

}  // namespace apicached::redis
