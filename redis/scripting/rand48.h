// Rand48: the 48-bit linear congruential generator behind math.random in Redis scripts
// (Redis's redisLrand48: X = (0x5DEECE66D * X + 0xB) mod 2^48, output the top 31 bits), with
// Redis's initial state, so that a fresh apicached and a fresh redis-server draw the same
// sequence. Redis 7 does not reseed per script: the sequence continues across scripts until
// math.randomseed(n) sets it.
//
// Thread safety: none; the engine's mutex guards it.
#pragma once

#include <cstdint>

namespace apicached::redis::scripting {

class Rand48 {
 public:
  static constexpr int32_t kMax = 0x7fffffff;  // REDIS_LRAND48_MAX (INT32_MAX)

  // The next value in [0, 2^31).
  int32_t Next() {
    state_ = (kA * state_ + kC) & kMask;
    return static_cast<int32_t>(state_ >> 17);
  }
  // lrand48's srand48: the high 32 bits of the state from `seed`, the low 16 bits 0x330E.
  void Seed(int32_t seed) { state_ = (uint64_t{static_cast<uint32_t>(seed)} << 16) | 0x330E; }

 private:
  static constexpr uint64_t kA = 0x5DEECE66D;
  static constexpr uint64_t kC = 0xB;
  static constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  uint64_t state_ = 0x1234ABCD330E;  // Redis's x[] = {0x330E, 0xABCD, 0x1234}
};

}  // namespace apicached::redis::scripting
