#include "invalid/invalid_registry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/invalid/registry_fixture.h"
#include "tests/support/ticking_clock.h"

namespace apicached {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Default options with one edit (partial designated initializers trip -Wmissing-field-initializers
// in GCC 12).
template <typename Edit>
InvalidRegistryOptions OptionsWith(Edit edit) {
  InvalidRegistryOptions options;
  edit(options);
  return options;
}

class InvalidRegistryTest : public testing::RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    t0_ = clock_.NowMillis();
  }

  InvalidReport MustReport(std::string_view list, std::string_view id, std::string_view reason,
                           std::optional<int64_t> ttl = std::nullopt) {
    Result<InvalidReport> report = registry_->Report(list, id, reason, ttl);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : InvalidReport{};
  }

  int64_t t0_ = 0;
};

TEST_F(InvalidRegistryTest, FirstReportCreatesTheRecord) {
  const InvalidReport report = MustReport("ruc", "20000000000", "INVALID_FORMAT");
  EXPECT_TRUE(report.created);
  EXPECT_EQ(report.record.reason, "INVALID_FORMAT");
  EXPECT_EQ(report.record.attempts, 1u);
  EXPECT_EQ(report.record.first_seen_ms, t0_);
  EXPECT_EQ(report.record.last_seen_ms, t0_);
  EXPECT_EQ(report.record.expires_ms, t0_ + kDefaultInvalidTtlSeconds * 1000);

  Result<InvalidRecord> got = registry_->Get("ruc", "20000000000");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->reason, "INVALID_FORMAT");
  EXPECT_EQ(got->attempts, 1u);
  EXPECT_EQ(got->expires_ms, report.record.expires_ms);
}

TEST_F(InvalidRegistryTest, LaterReportsUpdateTheRecord) {
  MustReport("ruc", "20999999999", "INVALID_FORMAT");
  clock_.Advance(seconds(10));
  const InvalidReport second = MustReport("ruc", "20999999999", "NOT_FOUND");
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.record.attempts, 2u);
  EXPECT_EQ(second.record.first_seen_ms, t0_);
  EXPECT_EQ(second.record.last_seen_ms, t0_ + 10'000);
  EXPECT_EQ(second.record.reason, "NOT_FOUND");
  clock_.Advance(seconds(5));
  const InvalidReport third = MustReport("ruc", "20999999999", "NOT_FOUND");
  EXPECT_EQ(third.record.attempts, 3u);
  EXPECT_EQ(third.record.first_seen_ms, t0_);
  EXPECT_EQ(third.record.last_seen_ms, t0_ + 15'000);

  Result<InvalidRecord> got = registry_->Get("ruc", "20999999999");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->attempts, 3u);
  EXPECT_EQ(got->first_seen_ms, t0_);
  EXPECT_EQ(got->last_seen_ms, t0_ + 15'000);
}

TEST_F(InvalidRegistryTest, TtlCountsFromTheLastReport) {
  MustReport("ruc", "x1", "NOT_FOUND", 100);
  clock_.Advance(seconds(60));
  const InvalidReport again = MustReport("ruc", "x1", "NOT_FOUND", 100);
  EXPECT_EQ(again.record.expires_ms, t0_ + 160'000);

  clock_.Set(t0_ + 150'000);
  EXPECT_TRUE(registry_->Get("ruc", "x1").ok()) << "still live 90 s after the last report";
  clock_.Set(t0_ + 160'000);
  EXPECT_EQ(registry_->Get("ruc", "x1").code(), Code::kNotFound) << "gone 100 s after it";
}

TEST_F(InvalidRegistryTest, DefaultTtlIsSevenDaysThroughTheClock) {
  MustReport("ruc", "x1", "NOT_FOUND");
  clock_.Set(t0_ + kDefaultInvalidTtlSeconds * 1000 - 1);
  EXPECT_TRUE(registry_->Get("ruc", "x1").ok());
  clock_.Set(t0_ + kDefaultInvalidTtlSeconds * 1000);
  EXPECT_EQ(registry_->Get("ruc", "x1").code(), Code::kNotFound);
}

TEST_F(InvalidRegistryTest, AnExpiredRecordStartsOver) {
  MustReport("ruc", "x1", "NOT_FOUND", 10);
  MustReport("ruc", "x1", "NOT_FOUND", 10);
  clock_.Advance(seconds(10));
  const InvalidReport fresh = MustReport("ruc", "x1", "INVALID_FORMAT", 10);
  EXPECT_TRUE(fresh.created);
  EXPECT_EQ(fresh.record.attempts, 1u);
  EXPECT_EQ(fresh.record.first_seen_ms, t0_ + 10'000);
}

TEST_F(InvalidRegistryTest, OneRecordsReportLeavesTheOthersExpiryAlone) {
  MustReport("ruc", "a", "NOT_FOUND", 100);
  clock_.Advance(seconds(90));
  MustReport("ruc", "b", "NOT_FOUND", 100);
  clock_.Advance(seconds(10));
  EXPECT_EQ(registry_->Get("ruc", "a").code(), Code::kNotFound);
  EXPECT_TRUE(registry_->Get("ruc", "b").ok());
}

TEST_F(InvalidRegistryTest, ThirtyTwoConcurrentReportersGiveThirtyTwoAttempts) {
  constexpr int kThreads = 32;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::vector<Status> results(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = registry_->Report("ruc", "20000000000", "INVALID_FORMAT").status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  Result<InvalidRecord> got = registry_->Get("ruc", "20000000000");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->attempts, 32u);
  EXPECT_EQ(got->first_seen_ms, t0_);
}

TEST_F(InvalidRegistryTest, PerListAndPerReportTtl) {
  Reopen(OptionsWith([](auto& o) { o.list_ttl_seconds = {{"ruc", 604800}, {"short", 10}}; }));
  EXPECT_EQ(registry_->TtlSeconds("short"), 10);
  EXPECT_EQ(registry_->TtlSeconds("other"), kDefaultInvalidTtlSeconds);
  EXPECT_EQ(MustReport("short", "a", "r").record.expires_ms, t0_ + 10'000);
  EXPECT_EQ(MustReport("other", "a", "r").record.expires_ms,
            t0_ + kDefaultInvalidTtlSeconds * 1000);
  EXPECT_EQ(MustReport("short", "b", "r", 30).record.expires_ms, t0_ + 30'000);

  const InvalidReport forever = MustReport("short", "c", "r", 0);
  EXPECT_EQ(forever.record.expires_ms, 0);
  EXPECT_TRUE(InvalidRecordToJson(forever.record)["expires_at"].is_null());
  clock_.Advance(std::chrono::hours(24 * 365));
  EXPECT_TRUE(registry_->Get("short", "c").ok());
}

TEST_F(InvalidRegistryTest, ListPaginatesInIdentifierOrder) {
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof(id), "id%02d", i);
    MustReport("acct", id, "NOT_FOUND");
  }
  std::vector<std::string> seen;
  std::optional<std::string> after;
  int pages = 0;
  do {
    Result<InvalidPage> page = registry_->List("acct", after, 10);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->records.size(), 10u);
    for (const auto& [id, record] : page->records) {
      seen.push_back(id);
      EXPECT_EQ(record.attempts, 1u);
    }
    after = page->next_after;
    ASSERT_LT(++pages, 10) << "pagination does not end";
  } while (after.has_value());
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "id00");
  EXPECT_EQ(seen.back(), "id24");
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(InvalidRegistryTest, ListNeverShowsExpiredRecords) {
  for (int i = 0; i < 6; ++i) {
    MustReport("acct", "short" + std::to_string(i), "r", 10);
    MustReport("acct", "long" + std::to_string(i), "r", 100);
  }
  clock_.Advance(seconds(50));
  std::vector<std::string> seen;
  std::optional<std::string> after;
  do {
    Result<InvalidPage> page = registry_->List("acct", after, 4);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& [id, record] : page->records) seen.push_back(id);
    after = page->next_after;
  } while (after.has_value());
  ASSERT_EQ(seen.size(), 6u);
  for (const std::string& id : seen) EXPECT_EQ(id.rfind("long", 0), 0u) << id;
}

TEST_F(InvalidRegistryTest, ListOfAnUnwrittenListIsEmpty) {
  Result<InvalidPage> page = registry_->List("never", std::nullopt, 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->records.empty());
  EXPECT_FALSE(page->next_after.has_value());
}

TEST_F(InvalidRegistryTest, RemoveDeletesOneRecord) {
  MustReport("ruc", "a", "r");
  MustReport("ruc", "b", "r");
  Result<bool> removed = registry_->Remove("ruc", "a");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  removed = registry_->Remove("ruc", "a");
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  EXPECT_EQ(registry_->Get("ruc", "a").code(), Code::kNotFound);
  EXPECT_TRUE(registry_->Get("ruc", "b").ok());
  EXPECT_TRUE(MustReport("ruc", "a", "r").created);
}

TEST_F(InvalidRegistryTest, ListsAreSeparate) {
  MustReport("one", "same", "r1");
  MustReport("two", "same", "r2");
  MustReport("two", "same", "r2");
  EXPECT_EQ(registry_->Get("one", "same")->attempts, 1u);
  EXPECT_EQ(registry_->Get("two", "same")->attempts, 2u);
  EXPECT_EQ(registry_->Get("ruc", "same").code(), Code::kNotFound);
}

TEST_F(InvalidRegistryTest, BadInputIsRefusedWithAMessage) {
  const std::vector<std::string> bad_lists = {"", "Ruc", "a/b", ".invalid", std::string(57, 'a')};
  for (const std::string& list : bad_lists) {
    Result<InvalidReport> r = registry_->Report(list, "id", "r");
    EXPECT_EQ(r.code(), Code::kInvalidArgument) << list;
    EXPECT_NE(r.status().message().find("list name"), std::string::npos) << r.status().message();
    EXPECT_EQ(registry_->Get(list, "id").code(), Code::kInvalidArgument) << list;
    EXPECT_EQ(registry_->List(list, std::nullopt, 10).code(), Code::kInvalidArgument) << list;
    EXPECT_EQ(registry_->Remove(list, "id").code(), Code::kInvalidArgument) << list;
  }
  const std::vector<std::string> bad_ids = {"",     "a/b",        "a b", std::string(257, 'x'),
                                            "\x01", "caf\xc3\xa9"};
  for (const std::string& id : bad_ids) {
    EXPECT_EQ(registry_->Report("ruc", id, "r").code(), Code::kInvalidArgument) << id;
    EXPECT_EQ(registry_->Get("ruc", id).code(), Code::kInvalidArgument) << id;
    EXPECT_EQ(registry_->Remove("ruc", id).code(), Code::kInvalidArgument) << id;
  }
  EXPECT_TRUE(registry_->Report("ruc", std::string(256, 'x'), "r").ok());
  EXPECT_TRUE(registry_->Report(std::string(56, 'l'), "id", "r").ok());
  for (const std::string& reason : {std::string(), std::string(257, 'r'), std::string("a\nb")}) {
    EXPECT_EQ(registry_->Report("ruc", "id", reason).code(), Code::kInvalidArgument);
  }
  EXPECT_EQ(registry_->Report("ruc", "id", "r", -1).code(), Code::kInvalidArgument);
  EXPECT_EQ(registry_->Report("ruc", "id", "r", kMaxInvalidTtlSeconds + 1).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(registry_->List("ruc", std::nullopt, 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(registry_->List("ruc", std::nullopt, 1001).code(), Code::kInvalidArgument);
  EXPECT_EQ(registry_->Get("ruc", "id").code(), Code::kNotFound) << "nothing was written";
}

TEST_F(InvalidRegistryTest, BadOptionsAreRefused) {
  const std::vector<InvalidRegistryOptions> bad = {
      OptionsWith([](auto& o) { o.default_ttl_seconds = -1; }),
      OptionsWith([](auto& o) { o.default_ttl_seconds = kMaxInvalidTtlSeconds + 1; }),
      OptionsWith([](auto& o) {
        o.list_ttl_seconds = {{"Bad", 10}};
      }),
      OptionsWith([](auto& o) {
        o.list_ttl_seconds = {{"ok", -5}};
      }),
      OptionsWith([](auto& o) {
        o.list_ttl_seconds = {{"a", 1}, {"b", 1}};
        o.max_lists = 1;
      }),
      OptionsWith([](auto& o) { o.max_page_size = 0; }),
      OptionsWith([](auto& o) { o.max_reason_bytes = 0; }),
  };
  for (const InvalidRegistryOptions& options : bad) {
    Result<std::unique_ptr<InvalidRegistry>> r = InvalidRegistry::Open(*store_, options);
    EXPECT_EQ(r.code(), Code::kInvalidArgument);
  }
}

TEST_F(InvalidRegistryTest, ListCountIsCapped) {
  Reopen(OptionsWith([](auto& o) { o.max_lists = 3; }));  // "ruc" plus two more
  MustReport("a", "id", "r");
  MustReport("b", "id", "r");
  EXPECT_EQ(registry_->Report("c", "id", "r").code(), Code::kResourceExhausted);
  MustReport("a", "id", "r");
  MustReport("ruc", "id", "r");
  EXPECT_EQ(registry_->Lists(), (std::vector<std::string>{"a", "b", "ruc"}));
}

TEST_F(InvalidRegistryTest, FiguresCountLookupsPerList) {
  MustReport("acct", "a", "r");
  MustReport("acct", "b", "r");
  EXPECT_TRUE(registry_->Get("acct", "a").ok());
  EXPECT_TRUE(registry_->Get("acct", "b").ok());
  EXPECT_EQ(registry_->Get("acct", "zz").code(), Code::kNotFound);
  EXPECT_EQ(registry_->Get("ruc", "zz").code(), Code::kNotFound);
  EXPECT_EQ(registry_->Get("unknown", "zz").code(), Code::kNotFound);

  Result<std::vector<InvalidListFigures>> figures = registry_->Figures();
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  ASSERT_EQ(figures->size(), 2u) << "unknown lists get no figures";
  const InvalidListFigures& acct = (*figures)[0];
  EXPECT_EQ(acct.list, "acct");
  EXPECT_EQ(acct.lookups_found, 2u);
  EXPECT_EQ(acct.lookups_missed, 1u);
  EXPECT_EQ(acct.reports, 2u);
  EXPECT_EQ(acct.ttl_seconds, kDefaultInvalidTtlSeconds);
  EXPECT_GE(acct.approx_live_records, 1u);
  const InvalidListFigures& ruc = (*figures)[1];
  EXPECT_EQ(ruc.list, "ruc");
  EXPECT_EQ(ruc.lookups_found, 0u);
  EXPECT_EQ(ruc.lookups_missed, 1u);
  EXPECT_EQ(ruc.approx_live_records, 0u);
}

TEST_F(InvalidRegistryTest, RecordsAndListsSurviveAReopen) {
  MustReport("acct", "a", "NOT_FOUND");
  clock_.Advance(seconds(5));
  MustReport("acct", "a", "NOT_FOUND");
  ASSERT_TRUE(store_->Close().ok());
  Reopen();

  EXPECT_EQ(registry_->Lists(), (std::vector<std::string>{"acct", "ruc"}));
  Result<InvalidRecord> got = registry_->Get("acct", "a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->attempts, 2u);
  EXPECT_EQ(got->first_seen_ms, t0_);
  EXPECT_EQ(got->last_seen_ms, t0_ + 5'000);
  EXPECT_EQ(got->expires_ms, t0_ + 5'000 + kDefaultInvalidTtlSeconds * 1000);
  clock_.Advance(seconds(5));
  EXPECT_EQ(MustReport("acct", "a", "NOT_FOUND").record.attempts, 3u);
}

TEST_F(InvalidRegistryTest, ACorruptStoredRecordIsReportedNotOverwritten) {
  MustReport("acct", "a", "r");
  ASSERT_TRUE(store_->Put(InvalidRegistry::NamespaceOf("acct"), "a", "not json", "", 0).ok());
  EXPECT_EQ(registry_->Get("acct", "a").code(), Code::kInternal);
  EXPECT_EQ(registry_->Report("acct", "a", "r").code(), Code::kInternal);
  EXPECT_EQ(registry_->List("acct", std::nullopt, 10).code(), Code::kInternal);
  Result<Entry> raw = store_->Get(InvalidRegistry::NamespaceOf("acct"), "a");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->value, "not json");
  EXPECT_TRUE(registry_->Remove("acct", "a").ok());
  EXPECT_TRUE(MustReport("acct", "a", "r").created);
}

// A clock that ticks between the store's reading and the registry's (as a real one can) must
// not make expires_at last_seen + ttl - 1 ms: both come from the one write.
TEST(InvalidRegistryTickingClockTest, ExpiresAtIsLastSeenPlusTtlExactly) {
  testing::TempDir dir;
  testing::TickingClock clock;
  StoreOptions store_options;
  store_options.data_dir = dir.Sub("db");
  store_options.maintenance_period_seconds = 0;
  Result<std::unique_ptr<Store>> store = OpenStore(store_options, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Result<std::unique_ptr<InvalidRegistry>> registry = InvalidRegistry::Open(**store, {});
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  for (int i = 0; i < 3; ++i) {
    Result<InvalidReport> report = (*registry)->Report("acct", "a", "NOT_FOUND", 60);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->record.expires_ms - report->record.last_seen_ms, 60'000) << i;
    EXPECT_LE(report->record.first_seen_ms, report->record.last_seen_ms);
    Result<InvalidRecord> got = (*registry)->Get("acct", "a");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->expires_ms - got->last_seen_ms, 60'000) << i;
    EXPECT_EQ(got->last_seen_ms, report->record.last_seen_ms);
    EXPECT_EQ(got->first_seen_ms, report->record.first_seen_ms);
    EXPECT_EQ(got->attempts, static_cast<uint64_t>(i + 1));
  }
}

TEST(InvalidRecordJsonTest, Shape) {
  const InvalidRecord record{.reason = "INVALID_FORMAT",
                             .first_seen_ms = 1'769'337'000'123,  // 2026-01-25 10:30:00.123
                             .last_seen_ms = 1'769'337'060'000,
                             .attempts = 5,
                             .expires_ms = 1'769'941'860'000};
  EXPECT_EQ(InvalidRecordToJson(record), nlohmann::json::parse(R"({
    "reason": "INVALID_FORMAT", "first_seen": "2026-01-25T10:30:00.123Z",
    "last_seen": "2026-01-25T10:31:00.000Z", "attempts": 5,
    "expires_at": "2026-02-01T10:31:00.000Z"})"));
}

TEST(InvalidRecordJsonTest, IsoTimes) {
  EXPECT_EQ(FormatIsoUtcMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoUtcMillis(1'767'225'600'000), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoUtcMillis(951'782'400'000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatIsoUtcMillis(-1), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace apicached
