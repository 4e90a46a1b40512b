// HitHistory: per-minute hit/miss counts over the last hour, on a FakeClock.
#include "metrics/hit_history.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace apicached {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(HitHistoryTest, EmptyHourIsSixtyZeroMinutesOldestFirst) {
  FakeClock clock;
  HitHistory history(clock);
  const std::vector<MinuteCounts> hour = history.Snapshot();
  ASSERT_EQ(hour.size(), HitHistory::kMinutes);
  const int64_t this_minute = clock.NowMillis() / 60'000 * 60'000;
  EXPECT_EQ(hour.back().minute_start_ms, this_minute);
  EXPECT_EQ(hour.front().minute_start_ms, this_minute - 59 * 60'000);
  for (const MinuteCounts& m : hour) {
    EXPECT_EQ(m.hits, 0u);
    EXPECT_EQ(m.misses, 0u);
  }
}

TEST(HitHistoryTest, CountsLandInTheirMinute) {
  FakeClock clock;
  HitHistory history(clock);
  history.Record(3, 1);
  clock.Advance(seconds(30));  // 2026-01-01 00:00:30, same minute
  history.Record(1, 0);
  clock.Advance(minutes(1));
  history.Record(0, 2);
  const std::vector<MinuteCounts> hour = history.Snapshot();
  EXPECT_EQ(hour[58].hits, 4u);
  EXPECT_EQ(hour[58].misses, 1u);
  EXPECT_EQ(hour[59].hits, 0u);
  EXPECT_EQ(hour[59].misses, 2u);
}

TEST(HitHistoryTest, MinutesOlderThanAnHourAreForgotten) {
  FakeClock clock;
  HitHistory history(clock);
  history.Record(5, 5);
  clock.Advance(minutes(59));
  EXPECT_EQ(history.Snapshot().front().hits, 5u);  // still inside the hour
  clock.Advance(minutes(1));
  for (const MinuteCounts& m : history.Snapshot()) EXPECT_EQ(m.hits + m.misses, 0u);
  history.Record(1, 0);  // reuses the slot of 60 minutes ago: starts from zero
  EXPECT_EQ(history.Snapshot().back().hits, 1u);
  EXPECT_EQ(history.Snapshot().back().misses, 0u);
}

TEST(HitHistoryTest, ConcurrentRecordsAllCount) {
  FakeClock clock;
  HitHistory history(clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&history] {
      for (int i = 0; i < 1000; ++i) history.Record(1, 1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(history.Snapshot().back().hits, 8000u);
  EXPECT_EQ(history.Snapshot().back().misses, 8000u);
}

}  // namespace
}  // namespace apicached
