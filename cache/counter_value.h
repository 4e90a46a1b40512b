// The unsigned 64-bit counter arithmetic of memcached's incr/decr, on stored value bytes. Pure
// functions; private to cache/ (CacheService::Arith uses them).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace apicached::cache {

// The value as memcached's incr reads it (strtoull, then safe_strtoull's checks): optional
// leading white space, an optional sign, decimal digits, then the end, a NUL or white space
// (anything after is ignored). nullopt when there are no digits, the number passes 2^64-1, or
// a '-' sign gives a number of 2^63 or more. An empty value is not a number.
std::optional<uint64_t> ParseCounter(std::string_view value);

// current + delta wrapping at 2^64 (incr), or current - delta stopping at 0 (decr).
uint64_t ApplyDelta(uint64_t current, uint64_t delta, bool decrement);

// The bytes memcached stores for a new counter value that replaces old_size bytes: the decimal
// number, padded with spaces to old_size when it is shorter (memcached rewrites the value in
// place then), so "100" decremented by 1 reads back "99 ".
std::string CounterBytes(uint64_t value, size_t old_size);

// How many decimal digits value has (1 for 0).
size_t CounterDigits(uint64_t value);

}  // namespace apicached::cache
