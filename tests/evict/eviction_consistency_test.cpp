// Concurrent writes, reads and eviction through the RAM tier: no read is stale (older than what
// its key's writer last acknowledged) and no acknowledged write is lost (a miss is allowed only
// when the eviction deleted exactly that version).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/evict/evict_fixture.h"

namespace apicached::testing {
namespace {

class EvictionConsistencyTest : public EvictTest {
 protected:
  void SetUp() override {
    options_.on_evicted = [this](std::string_view ns, const Victim& v) {
      std::lock_guard lock(mu_);
      evicted_.emplace(std::string(ns) + "/" + v.key, v.version);
    };
    EvictTest::SetUp();
  }

  bool WasEvicted(const std::string& key, uint64_t version) {
    std::lock_guard lock(mu_);
    return evicted_.count({"ns/" + key, version}) > 0;
  }

  std::mutex mu_;
  std::set<std::pair<std::string, uint64_t>> evicted_;
};

TEST_F(EvictionConsistencyTest, NoStaleOrLostReadUnderConcurrentWritesReadsAndEviction) {
  constexpr int kWriters = 3;
  constexpr int kKeysPerWriter = 20;
  constexpr int kWritesPerWriter = 1500;
  SetQuota("ns", 24 << 10);  // ~40 of the 60 keys' entries fit
  std::atomic<bool> done{false};
  struct Miss {
    std::string key;
    uint64_t version;
  };
  std::mutex misses_mu;
  std::vector<Miss> misses;  // checked once the eviction thread is done
  std::atomic<int> failures{0};

  std::thread evictor([&] {
    while (!done.load()) {
      auto r = store_->RunEviction();
      if (!r.ok()) ++failures;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(w);
      for (int i = 0; i < kWritesPerWriter; ++i) {
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i % kKeysPerWriter);
        const std::string value = std::to_string(i) + ":" + RandomValue(rng, 500);
        auto put = store_->Put("ns", key, value, "", 0);
        if (!put.ok()) {
          ++failures;
          continue;
        }
        // Only this thread writes key: a read returns this version, or misses because the
        // eviction deleted exactly it.
        auto got = store_->Get("ns", key);
        if (got.ok()) {
          if (got->info.version != put->version || got->value != value) ++failures;
        } else if (got.status().code() == Code::kNotFound) {
          std::lock_guard lock(misses_mu);
          misses.push_back({key, put->version});
        } else {
          ++failures;
        }
      }
    });
  }
  // A reader of everything: versions of a key never go back.
  std::thread reader([&] {
    std::map<std::string, uint64_t> seen;
    while (!done.load()) {
      for (int w = 0; w < kWriters; ++w) {
        for (int k = 0; k < kKeysPerWriter; ++k) {
          const std::string key = "w" + std::to_string(w) + "-" + std::to_string(k);
          auto got = store_->Get("ns", key);
          if (!got.ok()) continue;
          if (got->info.version < seen[key]) ++failures;
          seen[key] = got->info.version;
        }
      }
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  evictor.join();
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(evicted_.size(), 0u) << "the quota was never enforced: the test proves nothing";
  for (const Miss& m : misses) {
    EXPECT_TRUE(WasEvicted(m.key, m.version)) << m.key << " v" << m.version << " was lost";
  }
  // And at rest: every key holds its last write or lost exactly that one to eviction, in RAM
  // and on disk alike.
  EXPECT_TRUE(Evict().over.empty());
  for (int w = 0; w < kWriters; ++w) {
    for (int k = 0; k < kKeysPerWriter; ++k) {
      const std::string key = "w" + std::to_string(w) + "-" + std::to_string(k);
      auto tiered = store_->Get("ns", key);
      auto disk = tiered_->inner().Get("ns", key);
      EXPECT_EQ(tiered.ok(), disk.ok()) << key;
      if (tiered.ok() && disk.ok()) {
        EXPECT_EQ(tiered->info.version, disk->info.version) << key;
      }
    }
  }
  EXPECT_LE(Figures("ns").used_bytes, 24u << 10);
}

}  // namespace
}  // namespace apicached::testing
