// Redis's glob-style pattern matching (util.c stringmatchlen), as KEYS and SCAN MATCH use it:
// '*' any run of bytes, '?' one byte, "[abc]", "[^a]", "[a-z]" classes, '\' quotes the next byte.
// Binary-safe; the time taken is bounded like Redis 7's (nested '*' cannot go exponential).
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace apicached::redis {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

// The bytes every key matching pattern starts with (up to the first '*', '?', '[' or '\'):
// what SCAN and KEYS seek to instead of reading the whole namespace.
std::string_view LiteralPrefix(std::string_view pattern);

}  // namespace apicached::redis
