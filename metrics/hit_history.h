// HitHistory: cache hits and misses per wall-clock minute over the last hour, in RAM, for the
// status page's hit-rate chart (GET /status). Not persisted: a restart starts an empty hour.
//
// A ring of kMinutes slots, one per minute (minute = clock ms / 60000). Record() adds to the
// current minute's slot; a slot still holding an older minute is reset first. Snapshot() lists
// the last kMinutes minutes, oldest first, zero for minutes nobody recorded.
//
// Thread safety: every method may be called concurrently from any thread. Record() is two
// relaxed atomic adds unless the minute just changed (then a short mutex section). Counts added
// in the instant a slot is reset for a new minute may land in either minute; the figures are for
// a chart, not for accounting (the Prometheus counters and StatsBook are exact). The clock must
// outlive the HitHistory.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "storage/clock.h"

namespace apicached {

struct MinuteCounts {
  int64_t minute_start_ms = 0;  // the minute's first millisecond since the Unix epoch
  uint64_t hits = 0;
  uint64_t misses = 0;
};

class HitHistory {
 public:
  static constexpr size_t kMinutes = 60;

  explicit HitHistory(const Clock& clock) : clock_(clock) {}
  HitHistory(const HitHistory&) = delete;
  HitHistory& operator=(const HitHistory&) = delete;

  // Adds the lookups of one request to the current minute.
  void Record(uint64_t hits, uint64_t misses);

  // The last kMinutes minutes up to and including the current one, oldest first.
  std::vector<MinuteCounts> Snapshot() const;

 private:
  struct Slot {
    std::atomic<int64_t> minute{-1};
    std::atomic<uint64_t> hits{0};
    std::atomic<uint64_t> misses{0};
  };

  const Clock& clock_;
  std::mutex reset_mutex_;  // one reset of a slot at a time
  std::array<Slot, kMinutes> slots_;
};

}  // namespace apicached
