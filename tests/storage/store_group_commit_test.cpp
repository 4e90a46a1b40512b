// Group commit (storage/write_deferral.h): writes made inside a WriteDeferral stay in the
// process (RocksDB's WAL buffer) until CommitWrites(); every other write is in the WAL file when
// it returns. The bytes of the WAL files on disk are what survives the process being killed.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/write_deferral.h"
#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

class GroupCommitTest : public StoreTest {
 protected:
  // Bytes of the write-ahead log files on disk.
  uint64_t WalBytes() const {
    uint64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(options_.data_dir)) {
      if (e.path().extension() == ".log") total += e.file_size();
    }
    return total;
  }
};

TEST_F(GroupCommitTest, WriteOutsideADeferralIsInTheLogWhenItReturns) {
  ASSERT_TRUE(store().Put("ns", "warm", "x", "", 0).ok());
  const uint64_t before = WalBytes();
  const uint64_t deferred = WriteDeferral::Count();
  ASSERT_TRUE(store().Put("ns", "k", std::string(300, 'v'), "", 0).ok());
  EXPECT_GE(WalBytes(), before + 300);
  EXPECT_EQ(WriteDeferral::Count(), deferred);
}

TEST_F(GroupCommitTest, DeferredWritesReachTheLogOnlyAtTheCommit) {
  ASSERT_TRUE(store().Put("ns", "warm", "x", "", 0).ok());
  const uint64_t before = WalBytes();
  const uint64_t deferred = WriteDeferral::Count();
  {
    WriteDeferral deferral;
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(store().Put("ns", "k" + std::to_string(i), std::string(300, 'v'), "", 0).ok());
    }
  }
  EXPECT_EQ(WriteDeferral::Count(), deferred + 10);
  EXPECT_EQ(WalBytes(), before) << "a deferred write reached the file before the commit";
  auto read = store().Get("ns", "k3");  // applied: readers see it before the commit
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(store().CommitWrites().ok());
  EXPECT_GE(WalBytes(), before + 10 * 300);
}

TEST_F(GroupCommitTest, EveryKindOfWriteDefers) {
  ASSERT_TRUE(store().Put("ns", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "b", "2", "", 0).ok());
  WriteDeferral deferral;
  uint64_t count = WriteDeferral::Count();
  auto expect_deferred = [&count](const char* what) {
    EXPECT_GT(WriteDeferral::Count(), count) << what << " did not defer its flush";
    count = WriteDeferral::Count();
  };
  ASSERT_TRUE(store().Put("ns", "c", "3", "", 0).ok());
  expect_deferred("Put");
  ASSERT_TRUE(store().Add("ns", "d", "4", "", 0).ok());
  expect_deferred("Add");
  auto c = store().Get("ns", "c");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(store().CompareAndSet("ns", "c", c->info.version, "5", "", 0).ok());
  expect_deferred("CompareAndSet");
  ASSERT_TRUE(store().Touch("ns", "c", 60).ok());
  expect_deferred("Touch");
  ASSERT_TRUE(store().Incr("ns", "n", 1, 0).ok());
  expect_deferred("Incr");
  ASSERT_TRUE(store()
                  .Mutate("ns", "m",
                          [](const Entry*) -> Result<Mutation> {
                            Mutation m;
                            m.kind = Mutation::Kind::kPut;
                            m.value = "m";
                            return m;
                          })
                  .ok());
  expect_deferred("Mutate");
  ASSERT_TRUE(store().Delete("ns", "a").ok());
  expect_deferred("Delete");
  PutItem item;
  item.key = "x";
  item.value = "1";
  ASSERT_TRUE(store().MultiPut("ns", {item}).ok());
  expect_deferred("MultiPut");
  BatchWrite w;
  w.ns = "ns";
  w.key = "y";
  w.value = "1";
  ASSERT_TRUE(store().WriteAtomically({w}).ok());
  expect_deferred("WriteAtomically");
  ASSERT_TRUE(store().DeleteMany("ns", {"b"}).ok());
  expect_deferred("DeleteMany");
  ASSERT_TRUE(store().DeletePrefix("ns", "x").ok());
  expect_deferred("DeletePrefix");
  ASSERT_TRUE(store().ClearNamespace("ns").ok());
  expect_deferred("ClearNamespace");
  EXPECT_TRUE(store().CommitWrites().ok());
}

TEST_F(GroupCommitTest, AWriteThatWritesNothingLeavesNothingToCommit) {
  WriteDeferral deferral;
  const uint64_t count = WriteDeferral::Count();
  ASSERT_FALSE(store().Delete("ns", "absent").value());
  EXPECT_EQ(store().Add("ns", "k", "v", "", 0).ok(), true);
  EXPECT_EQ(store().Add("ns", "k", "v", "", 0).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(WriteDeferral::Count(), count + 1);  // only the first Add wrote
}

class SyncGroupCommitTest : public GroupCommitTest {
 protected:
  SyncGroupCommitTest() { options_.sync_writes = true; }
};

// --sync-writes keeps its meaning: every write is synced before it returns, deferral or not.
TEST_F(SyncGroupCommitTest, SyncedWritesAreNeverDeferred) {
  ASSERT_TRUE(store().Put("ns", "warm", "x", "", 0).ok());
  const uint64_t before = WalBytes();
  const uint64_t count = WriteDeferral::Count();
  WriteDeferral deferral;
  ASSERT_TRUE(store().Put("ns", "k", std::string(300, 'v'), "", 0).ok());
  EXPECT_EQ(WriteDeferral::Count(), count);
  EXPECT_GE(WalBytes(), before + 300);
  EXPECT_TRUE(store().CommitWrites().ok());
}

TEST_F(GroupCommitTest, CommitAfterCloseIsUnavailable) {
  ASSERT_TRUE(store().Close().ok());
  EXPECT_EQ(store().CommitWrites().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace apicached::testing
