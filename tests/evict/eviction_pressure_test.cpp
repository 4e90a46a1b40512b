// The eviction layer under pressure: writers that outrun the background check, a write racing
// with the batch that evicts its key, the free-disk throttle, and the internal namespaces'
// share of the global limit. No background thread: each test runs the checks itself.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/evict/evict_fixture.h"

namespace apicached::testing {
namespace {

constexpr size_t kValueBytes = 1024;

std::string Key(int i) {
  return "key-" + std::to_string(i);
}

// Polls cond until it holds or 10 s pass (a deadline, never a fixed wait).
template <typename Cond>
bool Eventually(Cond cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_F(EvictTest, WritersEvictThemselvesWhenTheCheckFallsBehind) {
  constexpr uint64_t kQuota = 512 << 10;
  SetQuota("ns", kQuota);
  const uint64_t bound = kQuota + static_cast<uint64_t>(kQuota * options_.assist_slack);
  // Three times the quota and no check at all (the thread "fell behind" for good).
  for (int i = 0; i < static_cast<int>(3 * kQuota / kValueBytes); ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok()) << i;
    ASSERT_LE(Figures("ns").used_bytes, bound) << "after write " << i;
  }
  EXPECT_GT(store_->figures().assisted_evictions, 0u);
  EXPECT_GT(Figures("ns").evicted_quota, 0u);
  EXPECT_EQ(store_->figures().checks, 0u);
}

TEST_F(EvictTest, AWriteRacingWithTheBatchThatEvictsItsKeyStays) {
  std::string rewritten;
  options_.on_batch_chosen = [&](std::string_view, const std::vector<Victim>& victims) {
    if (!rewritten.empty() || victims.empty()) return;
    rewritten = victims.front().key;  // chosen, out of the index, not yet deleted
    ASSERT_TRUE(store_->Put("ns", rewritten, "newer", "", 0).ok());
  };
  Reopen();
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  SetQuota("ns", 256 << 10);
  Evict();
  ASSERT_FALSE(rewritten.empty());
  auto entry = store_->Get("ns", rewritten);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->value, "newer");
  EXPECT_EQ(store_->Get("ns", Key(1)).status().code(), Code::kNotFound);  // its neighbours went
}

TEST_F(EvictTest, AWriteUnderTheFreeDiskFloorWaitsForTheCheckThenSucceeds) {
  std::atomic<uint64_t> free_bytes = 1 << 20;
  options_.free_disk_bytes = [&free_bytes]() -> Result<uint64_t> { return free_bytes.load(); };
  options_.throttle_wait_ms = 600'000;  // a deadline only: the check below ends the wait
  Reopen();
  ASSERT_TRUE(store_->Put("ns", "first", "v", "", 0).ok());
  EXPECT_TRUE(store_->WritesWithoutWaiting("ns"));
  EvictionLimits limits;
  limits.min_free_disk_bytes = 10 << 20;
  store_->SetLimits(limits);
  Evict();  // finds 1 MiB free: writes are held from now on
  ASSERT_FALSE(store_->figures().behind.empty());
  // A front asking where to run a write hears that it would wait (http/server.h).
  EXPECT_FALSE(store_->WritesWithoutWaiting("ns"));

  std::atomic<bool> written = false;
  std::thread writer([&] {
    EXPECT_TRUE(store_->Put("ns", "k", "v", "", 0).ok());
    written = true;
  });
  EXPECT_TRUE(Eventually([&] { return store_->figures().writes_waiting == 1; }));
  EXPECT_FALSE(written.load());
  free_bytes = 100 << 20;
  Evict();
  writer.join();
  EXPECT_TRUE(written.load());
  EXPECT_EQ(store_->figures().throttled_writes, 1u);
  EXPECT_EQ(store_->figures().throttle_timeouts, 0u);
  EXPECT_TRUE(store_->figures().behind.empty()) << store_->figures().behind;
  EXPECT_TRUE(store_->WritesWithoutWaiting("ns"));
  EXPECT_TRUE(store_->Put("ns", "k2", "v", "", 0).ok());  // not held any more
  EXPECT_EQ(store_->figures().throttled_writes, 1u);
}

TEST_F(EvictTest, WhenEvictionCannotKeepUpWritesGoOnAndItSaysItIsBehind) {
  options_.free_disk_bytes = []() -> Result<uint64_t> { return 1 << 20; };  // never recovers
  options_.throttle_wait_ms = 0;
  Reopen();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store_->Put("ns", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  EvictionLimits limits;
  limits.min_free_disk_bytes = 10 << 20;
  store_->SetLimits(limits);
  Evict();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_->Put("ns", "after-" + std::to_string(i), "v", "", 0).ok());
  }
  const EvictionFigures f = store_->figures();
  EXPECT_EQ(f.throttled_writes, 10u);
  EXPECT_EQ(f.throttle_timeouts, 10u);
  EXPECT_NE(f.behind.find("min free disk bytes"), std::string::npos) << f.behind;  // degraded
}

TEST_F(EvictTest, InternalNamespacesCountTowardsTheGlobalLimitAndAreNeverEvicted) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->Put(".internal", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  ASSERT_TRUE(store_->admin().CompactNamespace(".internal").ok());  // onto the disk
  auto internal = store_->admin().InternalDiskBytes();
  ASSERT_TRUE(internal.ok());
  ASSERT_GT(*internal, 200u << 10);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(store_->Put("user", Key(i), RandomValue(rng_, kValueBytes), "", 0).ok());
  }
  // The user namespace alone (~310 KiB) fits; with the internal one it does not.
  EvictionLimits limits;
  limits.max_disk_bytes = *internal + (200 << 10);
  store_->SetLimits(limits);
  Evict();
  const EvictionFigures f = store_->figures();
  EXPECT_EQ(f.internal_bytes, *internal);
  EXPECT_LE(f.used_bytes, limits.max_disk_bytes);
  EXPECT_GT(Figures("user").evicted_disk, 0u);
  for (int i = 0; i < 300; ++i) EXPECT_TRUE(store_->Get(".internal", Key(i)).ok()) << i;
}

}  // namespace
}  // namespace apicached::testing
