// StoreAdmin::CompactNamespace, the compaction eviction asks for so that what it deleted leaves
// the disk (evict/evicting_store.h).
#include <string>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using CompactTest = StoreTest;

void PutRange(Store& store, int from, int to, char fill) {
  for (int i = from; i < to; ++i) {
    ASSERT_TRUE(store.Put("ns", "k" + std::to_string(i), std::string(300, fill), "", 0).ok());
  }
}

TEST_F(CompactTest, DropsDeletedAndOverwrittenEntriesRewritingEachFileOnce) {
  PutRange(store(), 0, 2000, 'a');
  Reopen();                                                  // a table file
  ASSERT_TRUE(store().admin().CompactNamespace("ns").ok());  // now in the bottom level
  PutRange(store(), 0, 1000, 'b');                           // overwrites the first half
  std::vector<std::string> victims;
  for (int i = 1000; i < 1500; ++i) victims.push_back("k" + std::to_string(i));
  ASSERT_TRUE(store().DeleteManyBlind("ns", victims).ok());
  Reopen();  // a level-0 file over the same keys
  const auto before = store().GetNamespace("ns");
  ASSERT_TRUE(before.ok());

  ASSERT_TRUE(store().admin().CompactNamespace("ns").ok());

  const auto after = store().GetNamespace("ns");
  ASSERT_TRUE(after.ok());
  // One compaction job: the level-0 file merged into the bottom level, which is not then
  // rewritten again as a whole (BottommostLevelCompaction::kForce did: two jobs, twice the I/O).
  EXPECT_EQ(after->compactions - before->compactions, 1u);
  // 1500 live entries of ~300 bytes, not 3000 versions and 500 tombstones.
  EXPECT_LT(after->disk_bytes, before->disk_bytes * 6 / 10);
  EXPECT_EQ(store().Get("ns", "k5")->value, std::string(300, 'b'));
  EXPECT_EQ(store().Get("ns", "k1700")->value, std::string(300, 'a'));
  EXPECT_EQ(store().Get("ns", "k1200").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace apicached::testing
