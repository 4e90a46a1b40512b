#include "evict/evicting_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "tests/evict/evict_fixture.h"

namespace apicached::testing {
namespace {

using std::chrono::seconds;

constexpr uint64_t kQuota = 2 << 20;
constexpr size_t kValueBytes = 1024;

std::string Key(int i) {
  return "key-" + std::to_string(i);
}

TEST_F(EvictTest, WritesOfThreeTimesTheQuotaNeverFailAndTheNamespaceEndsWithinIt) {
  SetQuota("small", kQuota);
  const int writes = static_cast<int>(3 * kQuota / kValueBytes);
  for (int i = 0; i < writes; ++i) {
    auto put = store_->Put("small", Key(i), RandomValue(rng_, kValueBytes), "", std::nullopt);
    ASSERT_TRUE(put.ok()) << "write " << i << ": " << put.status().ToString();
    if (i % 256 == 255) Evict();  // what the thread does every period
  }
  const EvictionReport last = Evict();
  EXPECT_TRUE(last.over.empty());
  // Flushed and compacted, the namespace's files hold what the index counts, within the quota.
  ASSERT_TRUE(store_->admin().CompactNamespace("small").ok());
  const NamespaceFigures f = Figures("small");
  EXPECT_LE(f.used_bytes, kQuota);
  EXPECT_LE(f.disk_bytes, kQuota);
  EXPECT_GT(f.disk_bytes, kQuota / 2);  // and it still holds most of its quota
  EXPECT_GT(f.evicted_quota, 0u);
  EXPECT_EQ(f.quota_bytes, kQuota);
  EXPECT_TRUE(store_->figures().behind.empty()) << store_->figures().behind;
  // The newest entries stayed (nothing was read: first in, first out).
  EXPECT_TRUE(store_->Get("small", Key(writes - 1)).ok());
  EXPECT_EQ(store_->Get("small", Key(0)).status().code(), Code::kNotFound);
}

TEST_F(EvictTest, ANamespaceOverItsQuotaNeverEvictsAnothers) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(store_->Put("other", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  SetQuota("small", 256 << 10);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store_->Put("small", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  Evict();
  EXPECT_LE(Figures("small").used_bytes, 256u << 10);
  EXPECT_EQ(Figures("other").evicted_quota + Figures("other").evicted_disk, 0u);
  for (int i = 0; i < 500; ++i) EXPECT_TRUE(store_->Get("other", Key(i)).ok()) << i;
}

TEST_F(EvictTest, AnEntryLargerThanItsNamespacesQuotaIsRefused) {
  SetQuota("small", 4096);
  auto put = store_->Put("small", "big", std::string(5000, 'x'), "", std::nullopt);
  ASSERT_EQ(put.status().code(), Code::kTooLarge);
  EXPECT_NE(put.status().message().find("quota of namespace 'small' (4096 bytes)"),
            std::string::npos)
      << put.status().message();
  std::vector<PutItem> items(2);
  items[0].key = "a";
  items[0].value = "1";
  items[1].key = "b";
  items[1].value = std::string(5000, 'x');
  auto batch = store_->MultiPut("small", items);
  EXPECT_EQ(batch.status().code(), Code::kTooLarge);
  EXPECT_EQ(store_->Get("small", "a").status().code(), Code::kNotFound);  // all or nothing
  auto mutated = store_->Mutate("small", "m", [](const Entry*) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = std::string(5000, 'x');
    return m;
  });
  EXPECT_EQ(mutated.status().code(), Code::kTooLarge);
  // Other namespaces have no quota; one that fits is taken.
  EXPECT_TRUE(store_->Put("other", "big", std::string(5000, 'x'), "", std::nullopt).ok());
  EXPECT_TRUE(store_->Put("small", "fits", std::string(3000, 'x'), "", std::nullopt).ok());
}

TEST_F(EvictTest, ALoweredQuotaIsEnforcedByTheNextCheck) {
  SetQuota("ns", kQuota);
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  Evict();
  EXPECT_EQ(Figures("ns").evicted_quota, 0u);  // 1.5 MiB fit in 2 MiB
  SetQuota("ns", 512 << 10);                   // what a SIGHUP does
  Evict();
  const NamespaceFigures f = Figures("ns");
  EXPECT_LE(f.used_bytes, 512u << 10);
  EXPECT_LE(f.disk_bytes, 512u << 10);
  EXPECT_GT(f.evicted_quota, 0u);
}

TEST(EvictionCheckLineTest, SaysWhatACheckDidAndNothingForAnIdleOne) {
  EXPECT_EQ(DescribeCheck(EvictionReport{}), "");
  EXPECT_EQ(
      DescribeCheck(EvictionReport{.evicted = 1500, .expired = 3, .compactions = 1, .over = {}}),
      "evicted 1500 entries, dropped 3 expired, compacted 1 namespace; within every limit");
  EXPECT_EQ(DescribeCheck(EvictionReport{
                .evicted = 1,
                .compactions = 2,
                .over = {"namespace 'big' quota (9 of 8 bytes)", "max disk bytes (9 of 8)"}}),
            "evicted 1 entry, dropped 0 expired, compacted 2 namespaces; still over: namespace "
            "'big' quota (9 of 8 bytes), max disk bytes (9 of 8)");
  // Over a limit with nothing left to evict is still said.
  EXPECT_NE(DescribeCheck(EvictionReport{.over = {"min free disk bytes (1 free, 2 kept)"}}), "");
  EXPECT_EQ(DescribeCheck(Status::Unavailable("disk gone")),
            "the eviction check failed: disk gone");
}

TEST_F(EvictTest, ExpiredEntriesGoFirst) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        store_->Put("ns", "old-" + std::to_string(i), RandomValue(rng_, kValueBytes), "", 10).ok());
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  clock_.Advance(seconds(11));
  SetQuota("ns", 150 * kValueBytes);  // dropping the 100 expired entries is enough
  const EvictionReport report = Evict();
  EXPECT_EQ(report.expired, 100u);
  EXPECT_EQ(report.evicted, 0u);
  const NamespaceFigures f = Figures("ns");
  EXPECT_EQ(f.evicted_expired, 100u);
  EXPECT_EQ(f.evicted_quota, 0u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(store_->Get("ns", Key(i)).ok()) << i;
}

TEST_F(EvictTest, EntriesThatAreReadOutliveAScanOfNewKeys) {
  SetQuota("ns", 512 << 10);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(
        store_->Put("ns", "hot-" + std::to_string(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  for (int i = 0; i < 2000; ++i) {
    if (i % 50 == 0) {
      for (int h = 0; h < 100; ++h) ASSERT_TRUE(store_->Get("ns", "hot-" + std::to_string(h)).ok());
    }
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
    if (i % 100 == 99) Evict();
  }
  Evict();
  for (int h = 0; h < 100; ++h)
    EXPECT_TRUE(store_->Get("ns", "hot-" + std::to_string(h)).ok()) << h;
  EXPECT_LE(Figures("ns").used_bytes, 512u << 10);
}

TEST_F(EvictTest, AnEvictedKeyIsAMissInTheRamTierToo) {
  ASSERT_TRUE(store_->Put("ns", "victim", RandomValue(rng_, kValueBytes), "", 0).ok());
  // Read through the RAM tier only: in RAM now, yet never read as far as the policy knows, so
  // it is the first to go.
  ASSERT_TRUE(tiered_->Get("ns", "victim").ok());
  const uint64_t hits = tiered_->hot_figures().hits;
  ASSERT_TRUE(tiered_->Get("ns", "victim").ok());
  ASSERT_EQ(tiered_->hot_figures().hits, hits + 1);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  SetQuota("ns", 100 * kValueBytes);
  Evict();
  EXPECT_EQ(store_->Get("ns", "victim").status().code(), Code::kNotFound);
  EXPECT_EQ(tiered_->inner().Get("ns", "victim").status().code(), Code::kNotFound);
}

TEST_F(EvictTest, TheGlobalLimitTakesFromEveryNamespaceInProportion) {
  for (const char* ns : {"a", "b"}) {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(store_->Put(ns, Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
    }
  }
  EvictionLimits limits;
  limits.max_disk_bytes = 1 << 20;
  store_->SetLimits(limits);
  const EvictionReport report = Evict();
  EXPECT_TRUE(report.over.empty());
  const NamespaceFigures a = Figures("a"), b = Figures("b");
  EXPECT_LE(a.used_bytes + b.used_bytes, 1u << 20);
  EXPECT_GT(a.evicted_disk, 0u);
  EXPECT_GT(b.evicted_disk, 0u);
  EXPECT_EQ(a.evicted_quota + b.evicted_quota, 0u);
  EXPECT_LE(store_->figures().used_bytes, 1u << 20);
}

TEST_F(EvictTest, LowFreeDiskEvictsForTheDisk) {
  uint64_t free_bytes = 100 << 20;
  options_.free_disk_bytes = [&free_bytes]() -> Result<uint64_t> { return free_bytes; };
  Reopen();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  EvictionLimits limits;
  limits.min_free_disk_bytes = 10 << 20;
  store_->SetLimits(limits);
  EXPECT_EQ(Evict().evicted, 0u);  // 100 MiB free
  free_bytes = (10 << 20) - (200 << 10);
  const EvictionReport report = Evict();
  EXPECT_GT(report.evicted, 0u);
  EXPECT_GT(Figures("ns").evicted_disk, 0u);
  // The fake's free space does not grow, so the check ends still short of it and says so.
  EXPECT_NE(store_->figures().behind.find("min free disk bytes"), std::string::npos);
  ASSERT_TRUE(store_->figures().free_disk_bytes.has_value());
}

TEST_F(EvictTest, ARestartRebuildsTheIndexInWriteOrder) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
    clock_.Advance(std::chrono::milliseconds(1));
  }
  Reopen();
  SetQuota("ns", 512 << 10);
  Evict();
  EXPECT_LE(Figures("ns").used_bytes, 512u << 10);
  EXPECT_EQ(store_->Get("ns", Key(0)).status().code(), Code::kNotFound);  // oldest went first
  EXPECT_TRUE(store_->Get("ns", Key(999)).ok());
}

TEST_F(EvictTest, DeletedAndClearedKeysLeaveTheIndex) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  const uint64_t full = Figures("ns").used_bytes;
  ASSERT_TRUE(store_->Delete("ns", Key(0)).ok());
  ASSERT_TRUE(store_->DeletePrefix("ns", "key-1").ok());  // key-1, key-10..19
  // key-0, key-1 and key-10..19, each counted as key + value + entry overhead.
  const uint64_t gone = 2 * 5 + 10 * 6 + 12 * (kValueBytes + options_.entry_overhead_bytes);
  EXPECT_EQ(Figures("ns").used_bytes, full - gone);
  ASSERT_TRUE(store_->ClearNamespace("ns").ok());
  ASSERT_TRUE(store_->admin().CompactNamespace("ns").ok());
  EXPECT_EQ(Figures("ns").used_bytes, 0u);
}

}  // namespace
}  // namespace apicached::testing
