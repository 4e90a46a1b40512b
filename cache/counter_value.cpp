#include "cache/counter_value.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace apicached::cache {

std::optional<uint64_t> ParseCounter(std::string_view value) {
  // strtoull needs a NUL-terminated string; what follows a NUL in the value is ignored, as in C.
  const std::string text(value.substr(0, value.find('\0')));
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (errno == ERANGE || end == text.c_str()) return std::nullopt;
  const char next = *end;
  const bool space_after = next == ' ' || (next >= '\t' && next <= '\r');
  if (!space_after && next != '\0') return std::nullopt;
  // strtoull negates after a '-'; memcached refuses that only when the result looks negative.
  if (static_cast<long long>(n) < 0 && std::memchr(text.c_str(), '-', end - text.c_str())) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(n);
}

uint64_t ApplyDelta(uint64_t current, uint64_t delta, bool decrement) {
  if (!decrement) return current + delta;  // unsigned: wraps at 2^64
  return delta > current ? 0 : current - delta;
}

size_t CounterDigits(uint64_t value) {
  size_t digits = 1;
  while (value >= 10) {
    value /= 10;
    ++digits;
  }
  return digits;
}

std::string CounterBytes(uint64_t value, size_t old_size) {
  std::string out = std::to_string(value);
  if (out.size() < old_size) out.append(old_size - out.size(), ' ');
  return out;
}

}  // namespace apicached::cache
