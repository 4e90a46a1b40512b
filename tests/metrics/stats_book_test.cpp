// StatsBook on a real store: per-namespace, per-day counts that survive a reopen.
#include "metrics/stats_book.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/metrics/store_fixture.h"

namespace apicached::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr int64_t kDayMs = 86'400'000;

class StatsBookTest : public MetricsStoreTest {
 protected:
  StatsBookOptions Options() {
    StatsBookOptions options;
    options.flush_period_seconds = 0;  // the tests flush
    return options;
  }

  // The seed's lookup: a live entry is a hit, anything else a miss.
  void Lookup(StatsBook& book, std::string_view ns, std::string_view key) {
    book.Record(ns, store().Get(ns, key).ok());
  }

  DayStats Snap(StatsBook& book, std::optional<std::string_view> date = std::nullopt) {
    Result<DayStats> stats = book.Snapshot(date);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : DayStats{};
  }
};

TEST(HitRateTest, IsAPercentageWithOneDecimal) {
  EXPECT_EQ(HitRatePercent(0, 0), 0.0);
  EXPECT_EQ(HitRatePercent(1, 1), 50.0);
  EXPECT_EQ(HitRatePercent(2, 1), 66.7);
  EXPECT_EQ(HitRatePercent(1, 2), 33.3);
  EXPECT_EQ(HitRatePercent(1, 6), 14.3);
  EXPECT_EQ(HitRatePercent(1523, 342),
            81.7);  // the seed's illustrative 81.6 does not match its counts
  EXPECT_EQ(HitRatePercent(5, 0), 100.0);
  EXPECT_EQ(HitRatePercent(0, 5), 0.0);
}

TEST(DateTest, ParsesOnlyRealCalendarDates) {
  EXPECT_EQ(*ParseUtcDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseUtcDate("2026-01-01"), 1'767'225'600'000 / kDayMs);
  EXPECT_TRUE(ParseUtcDate("2024-02-29").ok());
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20260101",
                          "2026-01-01x", "", "yyyy-mm-dd", "2026/01/01", "-026-01-01"}) {
    Result<int64_t> parsed = ParseUtcDate(bad);
    EXPECT_EQ(parsed.code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseUtcDate("2026-02-30").status().message().find("YYYY-MM-DD"), std::string::npos);
}

TEST(DateTest, FormatsUtc) {
  EXPECT_EQ(UtcDate(1'767'225'600'000), "2026-01-01");
  EXPECT_EQ(UtcDate(1'767'225'600'000 - 1), "2025-12-31");
  EXPECT_EQ(UtcTimestamp(1'767'225'600'000 + 15 * 3600'000 + 30 * 60'000 + 7'999),
            "2026-01-01 15:30:07");
}

TEST_F(StatsBookTest, TheSeedWorkedExample) {
  StatsBook book(store(), clock_, Options());
  ASSERT_TRUE(store().Put("default", "key1", "value1", "", std::nullopt).ok());
  Lookup(book, "default", "key1");  // hit
  Lookup(book, "default", "key2");  // miss
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.total_keys, 1u);
  EXPECT_EQ(stats.date, "2026-01-01");
  EXPECT_EQ(stats.timestamp, "2026-01-01 00:00:00");
  const nlohmann::json json = nlohmann::json::parse(DayStatsToJson(stats));
  EXPECT_EQ(json["hits"], 1);
  EXPECT_EQ(json["misses"], 1);
  EXPECT_EQ(json["hit_rate"], 50.0);
  EXPECT_EQ(json["total_keys"], 1);
  EXPECT_EQ(json["timestamp"], "2026-01-01 00:00:00");
  EXPECT_EQ(json["service_breakdown"]["default"]["hits"], 1);
  EXPECT_EQ(json["service_breakdown"]["default"]["misses"], 1);
  EXPECT_EQ(json["service_breakdown"]["default"]["hit_rate"], 50.0);
  EXPECT_EQ(json["service_breakdown"]["default"]["keys"], 1);
  EXPECT_NE(DayStatsToJson(stats).find("\"hit_rate\":50.0"), std::string::npos);
}

TEST_F(StatsBookTest, NoLookupsGiveZeroHitRate) {
  StatsBook book(store(), clock_, Options());
  const std::string json = DayStatsToJson(Snap(book));
  EXPECT_NE(json.find("\"hit_rate\":0.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"service_breakdown\":{}"), std::string::npos) << json;
}

TEST_F(StatsBookTest, AHitCountsForItsNamespaceOnly) {
  StatsBook book(store(), clock_, Options());
  ASSERT_TRUE(store().Put("migo", "ruc:1", "{}", "", std::nullopt).ok());
  ASSERT_TRUE(store().Put("nubefact", "doc:1", "{}", "", std::nullopt).ok());
  Lookup(book, "migo", "ruc:1");
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.namespaces["migo"].hits, 1u);
  EXPECT_EQ(stats.namespaces["migo"].misses, 0u);
  EXPECT_EQ(stats.namespaces["nubefact"].hits, 0u);
  EXPECT_EQ(stats.namespaces["nubefact"].misses, 0u);
  EXPECT_EQ(stats.namespaces["nubefact"].keys, 1u);  // listed, with its keys, though unused
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.total_keys, 2u);
}

TEST_F(StatsBookTest, FlushedAndPendingCountsAddUp) {
  StatsBook book(store(), clock_, Options());
  book.Record("migo", true);
  book.Record("migo", false);
  ASSERT_TRUE(book.Flush().ok());
  book.Record("migo", true);
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.namespaces["migo"].hits, 2u);
  EXPECT_EQ(stats.namespaces["migo"].misses, 1u);
  ASSERT_TRUE(book.Flush().ok());
  ASSERT_TRUE(book.Flush().ok());  // nothing pending: adds nothing
  stats = Snap(book);
  EXPECT_EQ(stats.namespaces["migo"].hits, 2u);
  EXPECT_EQ(stats.namespaces["migo"].misses, 1u);
}

// Record remembers the counter a thread last used; a book made where a destroyed one lived (the
// same address, likely here) must not count into the dead book's counter.
TEST_F(StatsBookTest, ANewBookNeverCountsIntoAnOldOnesCounter) {
  for (int round = 0; round < 3; ++round) {
    auto book = std::make_unique<StatsBook>(store(), clock_, Options());
    ASSERT_TRUE(book->Reset().ok());
    book->Record("migo", true);
    book->Record("migo", true);
    EXPECT_EQ(Snap(*book).namespaces["migo"].hits, 2u) << "round " << round;
  }
}

TEST_F(StatsBookTest, StatisticsSurviveAStoreReopen) {
  {
    StatsBook book(store(), clock_, Options());
    for (int i = 0; i < 3; ++i) book.Record("migo", true);
    book.Record("migo", false);
    ASSERT_TRUE(book.Stop().ok());  // the daemon's shutdown: flushes
  }
  Reopen();
  StatsBook book(store(), clock_, Options());
  book.Record("migo", true);
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.hits, 4u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(HitRatePercent(stats.hits, stats.misses), 80.0);
}

TEST_F(StatsBookTest, DestructorFlushesToo) {
  { StatsBook(store(), clock_, Options()).Record("migo", true); }
  StatsBook book(store(), clock_, Options());
  EXPECT_EQ(Snap(book).hits, 1u);
}

TEST_F(StatsBookTest, BackgroundThreadStopsPromptlyAndFlushes) {
  StatsBookOptions options = Options();
  options.flush_period_seconds = 3600;
  {
    StatsBook book(store(), clock_, options);
    book.Record("migo", false);
    ASSERT_TRUE(book.Stop().ok());  // must not wait for the hour
    ASSERT_TRUE(book.Stop().ok());  // idempotent
  }
  StatsBook book(store(), clock_, Options());
  EXPECT_EQ(Snap(book).misses, 1u);
}

TEST_F(StatsBookTest, DaysAreSplitAtUtcMidnight) {
  StatsBook book(store(), clock_, Options());
  clock_.Advance(hours(24) - milliseconds(1));  // 2026-01-01 23:59:59.999
  book.Record("migo", true);
  book.Record("migo", true);
  clock_.Advance(milliseconds(1));  // 2026-01-02 00:00:00
  book.Record("migo", false);

  // Before and after the flush, each day keeps its own counts.
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    DayStats today = Snap(book);
    EXPECT_EQ(today.date, "2026-01-02");
    EXPECT_EQ(today.hits, 0u);
    EXPECT_EQ(today.misses, 1u);
    DayStats yesterday = Snap(book, "2026-01-01");
    EXPECT_EQ(yesterday.date, "2026-01-01");
    EXPECT_EQ(yesterday.hits, 2u);
    EXPECT_EQ(yesterday.misses, 0u);
    ASSERT_TRUE(book.Flush().ok());
  }
  DayStats explicit_today = Snap(book, "2026-01-02");
  EXPECT_EQ(explicit_today.misses, 1u);
}

TEST_F(StatsBookTest, ADayWithoutFiguresAnswersZeros) {
  StatsBook book(store(), clock_, Options());
  book.Record("migo", true);
  DayStats other = Snap(book, "2025-06-01");
  EXPECT_EQ(other.date, "2025-06-01");
  EXPECT_EQ(other.hits, 0u);
  EXPECT_EQ(other.misses, 0u);
  EXPECT_TRUE(other.namespaces.empty());
}

TEST_F(StatsBookTest, ABadDateIsRefused) {
  StatsBook book(store(), clock_, Options());
  EXPECT_EQ(book.Snapshot("2026-02-30").code(), Code::kInvalidArgument);
  EXPECT_EQ(book.Snapshot("yesterday").code(), Code::kInvalidArgument);
}

TEST_F(StatsBookTest, PastDaysKeepTheKeysOfTheirLastFlush) {
  StatsBook book(store(), clock_, Options());
  ASSERT_TRUE(store().Put("migo", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("migo", "b", "1", "", 0).ok());
  book.Record("migo", true);
  ASSERT_TRUE(book.Flush().ok());
  clock_.Advance(hours(24));
  ASSERT_TRUE(store().Put("migo", "c", "1", "", 0).ok());
  EXPECT_EQ(Snap(book, "2026-01-01").namespaces["migo"].keys, 2u);
  EXPECT_EQ(Snap(book).namespaces["migo"].keys, 3u);
}

TEST_F(StatsBookTest, OldDaysArePrunedPastTheRetention) {
  StatsBookOptions options = Options();
  options.retention_days = 3;
  StatsBook book(store(), clock_, options);
  for (int day = 0; day < 4; ++day) {  // 2026-01-01 .. 2026-01-04
    for (int i = 0; i <= day; ++i) book.Record("migo", true);
    ASSERT_TRUE(book.Flush().ok());
    if (day < 3) clock_.Advance(hours(24));
  }
  // Today is 2026-01-04; three days kept: 01-02, 01-03, 01-04.
  EXPECT_EQ(Snap(book, "2026-01-01").hits, 0u);
  EXPECT_EQ(Snap(book, "2026-01-02").hits, 2u);
  EXPECT_EQ(Snap(book, "2026-01-03").hits, 3u);
  EXPECT_EQ(Snap(book).hits, 4u);
  clock_.Advance(hours(48));
  ASSERT_TRUE(book.Prune().ok());
  EXPECT_EQ(Snap(book, "2026-01-03").hits, 0u);
  EXPECT_EQ(Snap(book, "2026-01-04").hits, 4u);
}

TEST_F(StatsBookTest, StoredDaysCarryATtlAsASafetyNet) {
  StatsBookOptions options = Options();
  options.retention_days = 2;
  StatsBook book(store(), clock_, options);
  book.Record("migo", true);
  ASSERT_TRUE(book.Flush().ok());
  Result<Entry> stored = store().Get(StatsBook::kNamespace, "2026-01-01/migo");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->info.expires_ms, clock_.NowMillis() + 3 * kDayMs);
  EXPECT_EQ(nlohmann::json::parse(stored->value)["hits"], 1);
}

TEST_F(StatsBookTest, ResetForgetsStoredAndPendingCounts) {
  StatsBook book(store(), clock_, Options());
  book.Record("migo", true);
  ASSERT_TRUE(book.Flush().ok());
  clock_.Advance(hours(24));
  book.Record("migo", false);
  ASSERT_TRUE(book.Reset().ok());
  EXPECT_EQ(Snap(book).misses, 0u);
  EXPECT_EQ(Snap(book, "2026-01-01").hits, 0u);
  ASSERT_TRUE(book.Flush().ok());
  EXPECT_EQ(Snap(book).misses, 0u);
  book.Record("migo", true);  // and it counts again afterwards
  EXPECT_EQ(Snap(book).hits, 1u);
}

TEST_F(StatsBookTest, NamespacesPastTheDailyCapFoldIntoOther) {
  StatsBookOptions options = Options();
  options.max_namespaces_per_day = 2;
  StatsBook book(store(), clock_, options);
  for (const char* ns : {"a", "b", "c", "d"}) book.Record(ns, false);
  ASSERT_TRUE(book.Flush().ok());
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.misses, 4u);
  EXPECT_EQ(stats.namespaces["(other)"].misses, 2u);
  EXPECT_EQ(stats.namespaces.count("c"), 0u);
}

TEST_F(StatsBookTest, AFailedFlushSaysSoAndKeepsNothingHalfWritten) {
  StatsBook book(store(), clock_, Options());
  book.Record("migo", true);
  ASSERT_TRUE(store().Close().ok());
  Status flushed = book.Flush();
  EXPECT_EQ(flushed.code(), Code::kUnavailable) << flushed.ToString();
  EXPECT_EQ(book.Snapshot().code(), Code::kUnavailable);
}

TEST_F(StatsBookTest, ConcurrentRecordsAndFlushesAddUpExactly) {
  StatsBook book(store(), clock_, Options());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&book, t] {
      for (int i = 0; i < 5000; ++i) book.Record(t % 2 == 0 ? "even" : "odd", i % 4 != 0);
    });
  }
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(book.Flush().ok());
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(book.Flush().ok());
  DayStats stats = Snap(book);
  EXPECT_EQ(stats.hits, 15'000u);
  EXPECT_EQ(stats.misses, 5'000u);
  EXPECT_EQ(stats.namespaces["even"].hits + stats.namespaces["even"].misses, 10'000u);
}

}  // namespace
}  // namespace apicached::testing
