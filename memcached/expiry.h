// memcached's exptime as the cache layer's Expiry: 0 never expires; 1 to 2592000 (30 days) is
// seconds from now; more is an absolute Unix time (cache::Expiry::AtUnix: one now or past has
// expired); negative has expired.
//
// Thread safety: pure function.
#pragma once

#include <cstdint>

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

}  // namespace apicached::memcached
