// How an eviction batch deletes its victims: with the wrapped store's DeleteManyBlind, not
// DeleteMany. DeleteMany reads every key under its lock (a file read for an old entry), and the
// batch holds its victims' write guards meanwhile: writers of keys sharing those stripes waited
// behind 128 reads (docs/benchmarks-eviction.md, the 1M-key profile). And the RAM tier in
// between still forgets the evicted keys.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/evict/evict_fixture.h"
#include "tests/support/fault_store.h"

namespace apicached::testing {
namespace {

// Counts the two kinds of batch delete on their way to the store it owns.
class DeleteCountingStore : public FaultStore {
 public:
  explicit DeleteCountingStore(std::unique_ptr<Store> owned)
      : FaultStore(*owned), owned_(std::move(owned)) {}

  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override {
    ++delete_many;
    return FaultStore::DeleteMany(ns, keys);
  }
  Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) override {
    ++delete_many_blind;
    return FaultStore::DeleteManyBlind(ns, keys);
  }

  std::atomic<int> delete_many{0};
  std::atomic<int> delete_many_blind{0};

 private:
  std::unique_ptr<Store> owned_;
};

class EvictionDeletesTest : public EvictTest {
 protected:
  void SetUp() override {
    options_.on_evicted = [this](std::string_view, const Victim& v) { evicted_.push_back(v.key); };
    wrap_ = [this](std::unique_ptr<Store> below) {
      auto counting = std::make_unique<DeleteCountingStore>(std::move(below));
      deletes_ = counting.get();
      return counting;
    };
    EvictTest::SetUp();
  }

  std::vector<std::string> evicted_;
  DeleteCountingStore* deletes_ = nullptr;
};

TEST_F(EvictionDeletesTest, VictimsAreDeletedWithoutAReadAndLeaveTheRamTierToo) {
  SetQuota("ns", 64 << 10);
  constexpr int kKeys = 200;  // 200 KiB against 64 KiB
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "key-" + std::to_string(i);
    ASSERT_TRUE(store_->Put("ns", key, RandomValue(rng_, 1024), "", std::nullopt).ok());
    ASSERT_TRUE(store_->Get("ns", key).ok());  // now in the RAM tier as well
  }
  Evict();
  // Writers past quota x 1.1 evicted for themselves, the check evicted the rest: both delete
  // the same way.
  EXPECT_GT(evicted_.size(), 100u);
  EXPECT_GT(deletes_->delete_many_blind.load(), 0);
  EXPECT_EQ(deletes_->delete_many.load(), 0) << "eviction read its victims before deleting them";
  for (const std::string& key : evicted_) {
    EXPECT_EQ(store_->Get("ns", key).status().code(), Code::kNotFound) << key;
  }
  EXPECT_LE(Figures("ns").used_bytes, uint64_t{64} << 10);
}

}  // namespace
}  // namespace apicached::testing
