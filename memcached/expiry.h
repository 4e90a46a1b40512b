// memcached's exptime as the cache layer's Expiry: 0 never expires; 1 to 2592000 (30 days) is
// seconds from now; more is an absolute Unix time (cache::Expiry::AtUnix: one now or past has
// expired); negative has expired.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <optional>

#include "cache/expiry.h"

namespace apicached::memcached {

// memcached's REALTIME_MAXDELTA.
inline constexpr int32_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

inline cache::Expiry ExpiryFromExptime(int32_t exptime) {
  if (exptime == 0) return cache::Expiry::Never();
  if (exptime < 0) return cache::Expiry::Expired();
  if (exptime <= kMaxRelativeExptime) return cache::Expiry::After(exptime);
  return cache::Expiry::AtUnix(exptime);
}

// mg's R token as the remaining-TTL threshold under which the client wins the recache, or
// nullopt when none does. memcached compares the item's expiry with realtime(R): 0 never wins,
// 1 to 2592000 is seconds from now, more is an absolute Unix time (one now or past never wins,
// as a negative R never does: realtime() makes them 1, and no live item expires before that).
inline std::optional<int64_t> RecacheThresholdSeconds(int32_t recache, int64_t now_unix_seconds) {
  if (recache <= 0) return std::nullopt;
  if (recache <= kMaxRelativeExptime) return recache;
  const int64_t left = int64_t{recache} - now_unix_seconds;
  if (left <= 0) return std::nullopt;
  return left;
}

}  // namespace apicached::memcached
