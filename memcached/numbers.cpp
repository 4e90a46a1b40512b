#include "memcached/numbers.h"

#include <charconv>
#include <limits>
#include <string>

namespace apicached::memcached {
namespace {

// C's isspace in the "C" locale.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

struct Parsed {
  bool negative = false;
  uint64_t magnitude = 0;
};

// strtoull/strtoll's grammar in base 10 plus memcached's end check. nullopt on no digits, an
// overflow of 64 bits (ERANGE) or a non-space byte after the digits.
std::optional<Parsed> ParseDecimal(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsSpace(s[i])) ++i;
  Parsed p;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    p.negative = s[i] == '-';
    ++i;
  }
  const size_t digits_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (p.magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    p.magnitude = p.magnitude * 10 + digit;
    ++i;
  }
  if (i == digits_start) return std::nullopt;
  if (i < s.size() && !IsSpace(s[i])) return std::nullopt;
  return p;
}

}  // namespace

std::optional<uint64_t> ParseU64(std::string_view token) {
  auto p = ParseDecimal(token);
  if (!p) return std::nullopt;
  // strtoull negates a '-' value; memcached refuses the result only when it looks negative as a
  // signed number, which for any non-zero magnitude it does.
  if (p->negative && p->magnitude != 0) return std::nullopt;
  return p->magnitude;
}

std::optional<uint32_t> ParseU32(std::string_view token) {
  auto v = ParseU64(token);
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<int32_t> ParseI32(std::string_view token) {
  auto p = ParseDecimal(token);
  if (!p) return std::nullopt;
  // strtol's range is that of a 64-bit long.
  const uint64_t limit = p->negative ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  if (p->magnitude > limit) return std::nullopt;
  const uint64_t bits = p->negative ? (~p->magnitude + 1) : p->magnitude;
  return static_cast<int32_t>(static_cast<uint32_t>(bits));
}

void AppendDecimal(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendDecimal(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace apicached::memcached
