// Time source for everything that reasons about TTLs. storage/ never reads the wall clock
// directly: the daemon passes a SystemClock, tests pass a FakeClock and Advance() it. Tests of
// the real binary shift its SystemClock instead (--test-clock-offset, docs/operations.md).
//
// Thread safety: both implementations may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace apicached {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (wall time, persisted in entries' expiry headers).
  virtual int64_t NowMillis() const = 0;
};

// The wall clock, shifted by offset_ms (0 but in tests of the daemon binary).
class SystemClock final : public Clock {
 public:
  explicit SystemClock(int64_t offset_ms = 0) : offset_ms_(offset_ms) {}
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset_ms_;
  }

 private:
  const int64_t offset_ms_;
};

// A clock that only moves when told to. Starts at a fixed, realistic instant.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'767'225'600'000) : now_ms_(start_ms) {}  // 2026-01-01
  int64_t NowMillis() const override { return now_ms_.load(std::memory_order_relaxed); }
  void Advance(std::chrono::milliseconds by) { now_ms_.fetch_add(by.count()); }
  void Set(int64_t ms) { now_ms_.store(ms); }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace apicached
