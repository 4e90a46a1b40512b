// Expiry: how long a written entry lives, in the one form every front converts its wire form to.
//
//   HTTP      no ?ttl -> Default(); ttl=0 -> Never(); ttl=N -> After(N)
//   memcached exptime 0 -> Never(); 1..2592000 (30 days) -> After(N);
//             above -> AtUnix(N) (an absolute Unix time); negative -> Expired()
//   Redis     EX n -> After(n); PX, EXAT, PXAT and PEXPIRE* keep exact millisecond deadlines
//             through Mutate (Mutation::expires_at_ms), as Redis keeps them
//
// The cache layer (cache_service.h) resolves an Expiry against its clock with one rounding
// rule: entries live whole seconds counted from the millisecond the layer handles the write, so
// After(n) written at t ms expires at t + n*1000 ms. AtUnix(T) becomes After(T - floor(now_s))
// where now_s is the clock in seconds: the entry expires within the second after T (never
// before it). An AtUnix at or before the current second, and After(n) with n <= 0, are
// Expired().
//
// Expired() means "expires immediately": the operation answers exactly as it would with a
// lifetime (a set is stored, an add on a live key is refused, a touch finds its entry), and no
// entry is readable afterwards (a live one is deleted). That is memcached's behaviour for a
// negative exptime.
//
// Thread safety: a value type.
#pragma once

#include <cstdint>

namespace apicached::cache {

class Expiry {
 public:
  enum class Kind : uint8_t {
    kDefault,  // the namespace's default TTL (StoreOptions::ttl)
    kNever,    // never expires
    kAfter,    // seconds() from now; seconds() > 0
    kAt,       // at Unix time seconds()
    kExpired,  // expires immediately
  };

  static constexpr Expiry Default() { return Expiry(Kind::kDefault, 0); }
  static constexpr Expiry Never() { return Expiry(Kind::kNever, 0); }
  // seconds <= 0 gives Expired().
  static constexpr Expiry After(int64_t seconds) {
    return seconds > 0 ? Expiry(Kind::kAfter, seconds) : Expired();
  }
  static constexpr Expiry AtUnix(int64_t unix_seconds) { return Expiry(Kind::kAt, unix_seconds); }
  static constexpr Expiry Expired() { return Expiry(Kind::kExpired, 0); }

  constexpr Kind kind() const { return kind_; }
  // kAfter: the TTL in seconds; kAt: the Unix time in seconds; 0 otherwise.
  constexpr int64_t seconds() const { return seconds_; }

  constexpr bool operator==(const Expiry&) const = default;

 private:
  constexpr Expiry(Kind kind, int64_t seconds) : kind_(kind), seconds_(seconds) {}
  Kind kind_;
  int64_t seconds_;
};

// Whole seconds left before expires_ms at now_ms, rounded up (an entry with 0.2 s left shows
// 1); -1 for 0 ("never expires"), 0 once expired. What memcached's mg `t` and the HTTP JSON
// "ttl" show.
inline int64_t SecondsLeft(int64_t expires_ms, int64_t now_ms) {
  if (expires_ms == 0) return -1;
  const int64_t left = expires_ms - now_ms;
  return left <= 0 ? 0 : (left + 999) / 1000;
}

}  // namespace apicached::cache
