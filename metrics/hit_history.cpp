#include "metrics/hit_history.h"

namespace apicached {

namespace {

constexpr int64_t kMinuteMs = 60'000;

int64_t MinuteOf(int64_t ms) {
  return ms >= 0 ? ms / kMinuteMs : (ms - kMinuteMs + 1) / kMinuteMs;
}

size_t SlotOf(int64_t minute) {
  const auto n = static_cast<int64_t>(HitHistory::kMinutes);
  return static_cast<size_t>(((minute % n) + n) % n);
}

}  // namespace

void HitHistory::Record(uint64_t hits, uint64_t misses) {
  if (hits == 0 && misses == 0) return;
  const int64_t minute = MinuteOf(clock_.NowMillis());
  Slot& slot = slots_[SlotOf(minute)];
  if (slot.minute.load(std::memory_order_acquire) != minute) {
    std::lock_guard lock(reset_mutex_);
    if (slot.minute.load(std::memory_order_relaxed) != minute) {
      slot.hits.store(0, std::memory_order_relaxed);
      slot.misses.store(0, std::memory_order_relaxed);
      slot.minute.store(minute, std::memory_order_release);
    }
  }
  if (hits > 0) slot.hits.fetch_add(hits, std::memory_order_relaxed);
  if (misses > 0) slot.misses.fetch_add(misses, std::memory_order_relaxed);
}

std::vector<MinuteCounts> HitHistory::Snapshot() const {
  const int64_t now = MinuteOf(clock_.NowMillis());
  std::vector<MinuteCounts> out;
  out.reserve(kMinutes);
  for (int64_t minute = now - static_cast<int64_t>(kMinutes) + 1; minute <= now; ++minute) {
    MinuteCounts counts{.minute_start_ms = minute * kMinuteMs};
    const Slot& slot = slots_[SlotOf(minute)];
    if (slot.minute.load(std::memory_order_acquire) == minute) {
      counts.hits = slot.hits.load(std::memory_order_relaxed);
      counts.misses = slot.misses.load(std::memory_order_relaxed);
    }
    out.push_back(counts);
  }
  return out;
}

}  // namespace apicached
