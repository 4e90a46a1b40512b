// TickingClock: a Clock that moves 1 ms forward on every read, so two reads that a real clock
// would usually give the same millisecond always differ. It makes "the code read the clock
// twice" visible in a test, deterministically.
//
// Thread safety: NowMillis may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

#include "storage/clock.h"

namespace apicached::testing {

class TickingClock final : public Clock {
 public:
  explicit TickingClock(int64_t start_ms = 1'767'225'600'000) : next_ms_(start_ms) {}
  int64_t NowMillis() const override { return next_ms_.fetch_add(1, std::memory_order_relaxed); }

 private:
  mutable std::atomic<int64_t> next_ms_;
};

}  // namespace apicached::testing
