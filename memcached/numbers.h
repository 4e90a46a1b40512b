// memcached's numeric tokens, parsed exactly as memcached 1.6 parses them (util.c safe_strto*),
// so that every command line memcached accepts is accepted here with the same value, and every
// line it refuses is refused:
// - leading white space and one '+' or '-' sign are accepted ("+5", "-0");
// - the token must end at its end or at a white-space byte ("12\t" is 12);
// - unsigned parses refuse a negative value ("-1"), but accept "-0";
// - ParseU32 and ParseI32 parse 64 bits and keep the low 32, as memcached does on a 64-bit
//   host: "4294967296" as client flags is 0, and as an exptime it is 0 (never expires).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace apicached::memcached {

std::optional<uint64_t> ParseU64(std::string_view token);
std::optional<uint32_t> ParseU32(std::string_view token);
std::optional<int32_t> ParseI32(std::string_view token);

// Appends the decimal form of v to out.
void AppendDecimal(std::string& out, uint64_t v);
void AppendDecimal(std::string& out, int64_t v);

}  // namespace apicached::memcached
