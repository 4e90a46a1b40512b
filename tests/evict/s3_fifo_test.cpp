#include "evict/s3_fifo.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace apicached {
namespace {

std::string Key(int i) {
  return "k" + std::to_string(i);
}

std::vector<std::string> EvictAll(S3Fifo& index) {
  std::vector<std::string> out;
  while (auto v = index.Evict()) out.push_back(v->key);
  return out;
}

TEST(S3FifoTest, UnreadEntriesLeaveInWriteOrder) {
  S3Fifo index;
  for (int i = 0; i < 5; ++i) index.Write(Key(i), i + 1, 10, 0);
  EXPECT_EQ(index.bytes(), 50u);
  EXPECT_EQ(EvictAll(index), (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4"}));
  EXPECT_EQ(index.bytes(), 0u);
  EXPECT_EQ(index.entries(), 0u);
}

TEST(S3FifoTest, VictimCarriesTheLastWrittenVersionAndSize) {
  S3Fifo index;
  index.Write("a", 1, 10, 0);
  index.Write("a", 7, 25, 99);
  EXPECT_EQ(index.bytes(), 25u);
  auto v = index.Evict();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->key, "a");
  EXPECT_EQ(v->version, 7u);
  EXPECT_EQ(v->bytes, 25u);
  EXPECT_EQ(v->expires_ms, 99);
}

TEST(S3FifoTest, ReadEntriesOutliveAScan) {
  S3Fifo index;
  for (int i = 0; i < 10; ++i) index.Write(Key(i), i + 1, 10, 0);
  for (int i = 0; i < 10; ++i) index.Read(Key(i));
  // A scan: many keys written once, never read.
  for (int i = 100; i < 200; ++i) index.Write(Key(i), i + 1, 10, 0);
  // Evicting most of the scan takes only the scan's keys. (The small queue keeps its last tenth
  // of the bytes: once it is that small, the main queue gives its unread entries.)
  for (int i = 0; i < 90; ++i) {
    auto v = index.Evict();
    ASSERT_TRUE(v.has_value());
    EXPECT_GE(std::stoi(v->key.substr(1)), 100) << v->key << " was read and should stay";
  }
  EXPECT_EQ(index.entries(), 20u);
}

TEST(S3FifoTest, AKeyBackSoonAfterItsEvictionGoesToTheMainQueue) {
  S3Fifo index;
  index.Write("ghost", 1, 10, 0);
  for (int i = 0; i < 3; ++i) index.Write(Key(i), i + 2, 10, 0);
  for (int i = 0; i < 3; ++i) index.Read(Key(i));
  auto v = index.Evict();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->key, "ghost");
  // Written again: remembered, so it enters the main queue and outlives new unread keys.
  index.Write("ghost", 9, 10, 0);
  for (int i = 10; i < 40; ++i) index.Write(Key(i), i + 2, 10, 0);
  for (int i = 0; i < 30; ++i) {
    auto next = index.Evict();
    ASSERT_TRUE(next.has_value());
    EXPECT_NE(next->key, "ghost");
  }
}

TEST(S3FifoTest, EraseAndErasePrefixForgetKeysAndTheirBytes) {
  S3Fifo index;
  index.Write("a/1", 1, 10, 0);
  index.Write("a/2", 2, 10, 0);
  index.Write("b/1", 3, 10, 0);
  EXPECT_TRUE(index.Erase("b/1"));
  EXPECT_FALSE(index.Erase("b/1"));
  EXPECT_EQ(index.ErasePrefix("a/"), 2u);
  EXPECT_EQ(index.bytes(), 0u);
  EXPECT_FALSE(index.Evict().has_value());
}

TEST(S3FifoTest, AnErasedThenRewrittenKeyIsEvictedOnce) {
  S3Fifo index;
  index.Write("a", 1, 10, 0);
  index.Erase("a");
  index.Write("a", 2, 10, 0);
  auto v = index.Evict();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->version, 2u);
  EXPECT_FALSE(index.Evict().has_value());
}

TEST(S3FifoTest, LoadNeverOverwritesARecordedWrite) {
  S3Fifo index;
  index.Write("a", 5, 10, 0);
  index.Load("a", 3, 99, 0);  // what a scan read before the write
  auto v = index.Evict();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->version, 5u);
  EXPECT_EQ(v->bytes, 10u);
}

TEST(S3FifoTest, TakeExpiredReturnsOnlyExpiredEntries) {
  S3Fifo index;
  index.Write("never", 1, 10, 0);
  index.Write("soon", 2, 10, 1000);
  index.Write("later", 3, 10, 5000);
  index.SetExpiry("later", 1500);
  auto expired = index.TakeExpired(2000);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(index.entries(), 1u);
  EXPECT_EQ(index.bytes(), 10u);
  EXPECT_EQ(EvictAll(index), std::vector<std::string>{"never"});
}

TEST(S3FifoTest, TakeExpiredWalksTheIndexOnlyWhenAnEntryCanHaveExpired) {
  S3Fifo index;
  index.Write("never", 1, 10, 0);
  EXPECT_TRUE(index.TakeExpired(1'000'000).empty());
  EXPECT_EQ(index.expiry_walks(), 0u) << "no entry has an expiry";
  index.Write("a", 2, 10, 5000);
  index.Write("b", 3, 10, 9000);
  EXPECT_TRUE(index.TakeExpired(4999).empty());
  EXPECT_EQ(index.expiry_walks(), 0u);
  auto expired = index.TakeExpired(5000);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].key, "a");
  EXPECT_EQ(index.expiry_walks(), 1u);
  EXPECT_TRUE(index.TakeExpired(8999).empty());
  EXPECT_EQ(index.expiry_walks(), 1u) << "that walk found b's expiry to be the next";
  // Expiries written since the walk count: a touch, a rewrite, a new key.
  index.SetExpiry("never", 6000);
  index.Write("b", 4, 10, 7000);
  index.Write("c", 5, 10, 6500);
  auto at_6000 = index.TakeExpired(6000);
  ASSERT_EQ(at_6000.size(), 1u);
  EXPECT_EQ(at_6000[0].key, "never");
  EXPECT_EQ(index.TakeExpired(7000).size(), 2u);
  EXPECT_EQ(index.entries(), 0u);
}

TEST(S3FifoTest, ManyErasuresKeepTheQueuesBounded) {
  S3Fifo index;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 1000; ++i) index.Write(Key(i), round * 1000 + i + 1, 1, 0);
    for (int i = 0; i < 1000; ++i) index.Erase(Key(i));
  }
  EXPECT_EQ(index.entries(), 0u);
  EXPECT_FALSE(index.Evict().has_value());
}

TEST(S3FifoTest, EvictDownToGivesEvictsOrderUntilTheTargetOrTheMaximum) {
  // Two indexes with the same history, some keys read (second chances and promotions).
  S3Fifo one;
  S3Fifo batch;
  for (S3Fifo* index : {&one, &batch}) {
    for (int i = 0; i < 40; ++i) index->Write(Key(i), i + 1, 10, 0);
    for (int i = 0; i < 40; i += 3) index->Read(Key(i));
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) expected.push_back(one.Evict()->key);

  // At most 10 victims per call, and none once the bytes are at the target (150: 15 entries).
  std::vector<std::string> got;
  for (;;) {
    std::vector<Victim> victims = batch.EvictDownTo(150, 10);
    if (victims.empty()) break;
    EXPECT_LE(victims.size(), 10u);
    for (const Victim& v : victims) got.push_back(v.key);
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(batch.bytes(), 150u);
  EXPECT_EQ(batch.entries(), 15u);
  EXPECT_EQ(EvictAll(batch), EvictAll(one));
  EXPECT_TRUE(batch.EvictDownTo(0, 10).empty()) << "an empty index has no victim";
}

TEST(S3FifoTest, ContainsEachSaysWhichVictimsWereWrittenAgain) {
  S3Fifo index;
  for (int i = 0; i < 4; ++i) index.Write(Key(i), i + 1, 10, 0);
  std::vector<Victim> victims = index.EvictDownTo(0, 3);
  ASSERT_EQ(victims.size(), 3u);
  index.Write(victims[1].key, 9, 10, 0);  // written after it was chosen
  EXPECT_EQ(index.ContainsEach(victims), (std::vector<bool>{false, true, false}));
}

TEST(S3FifoTest, BytesFollowEveryChangeWithoutTheLock) {
  S3Fifo index;
  index.Write("a", 1, 10, 0);
  index.Load("b", 2, 20, 1000);
  EXPECT_EQ(index.bytes(), 30u);
  index.Write("a", 3, 15, 0);  // a rewrite changes the size
  EXPECT_EQ(index.bytes(), 35u);
  EXPECT_EQ(index.TakeExpired(1000).size(), 1u);
  EXPECT_EQ(index.bytes(), 15u);
  index.Write("pa", 4, 5, 0);
  index.Write("pb", 5, 5, 0);
  EXPECT_EQ(index.ErasePrefix("p"), 2u);
  EXPECT_EQ(index.bytes(), 15u);
  EXPECT_TRUE(index.Erase("a"));
  EXPECT_EQ(index.bytes(), 0u);
  index.Write("c", 6, 7, 0);
  ASSERT_TRUE(index.Evict().has_value());
  EXPECT_EQ(index.bytes(), 0u);
}

// While the index's mutex is held (as a batch choice holds it), writes and reads from another
// thread return at once; the next holder applies them in order before anything else.
TEST(S3FifoTest, WritesAndReadsMadeWhileTheMutexIsHeldAreAppliedInOrderByTheNextHolder) {
  S3Fifo index;
  index.Write("old", 1, 10, 0);
  {
    auto held = index.HoldForTest();
    // Joined under the hold: had a call waited for the mutex, this would never return.
    std::thread([&] {
      index.Write("a", 2, 10, 0);
      index.Write("a", 3, 25, 0);  // the later write of a key wins
      index.Read("a");             // and the read counts for it
      index.Write("b", 4, 10, 0);
    }).join();
    EXPECT_EQ(index.bytes(), 10u) << "not applied while the mutex is held";
  }
  EXPECT_EQ(index.entries(), 3u);
  EXPECT_EQ(index.bytes(), 45u);
  // "a" was read: it moves to the main queue instead of being evicted.
  std::vector<Victim> victims = index.EvictDownTo(0, 3);
  ASSERT_EQ(victims.size(), 3u);
  EXPECT_EQ(victims[0].key, "old");
  EXPECT_EQ(victims[1].key, "b");
  EXPECT_EQ(victims[2].key, "a");
  EXPECT_EQ(victims[2].version, 3u);
  EXPECT_EQ(victims[2].bytes, 25u);
}

// The eviction's consistency rule (EvictingStore::DeleteVictims): a victim written again while
// the mutex was held, its write only queued, is known to ContainsEach.
TEST(S3FifoTest, ContainsEachSeesAWriteQueuedWhileTheMutexWasHeld) {
  S3Fifo index;
  for (int i = 0; i < 3; ++i) index.Write(Key(i), i + 1, 10, 0);
  std::vector<Victim> victims = index.EvictDownTo(0, 3);
  ASSERT_EQ(victims.size(), 3u);
  {
    auto held = index.HoldForTest();
    std::thread([&] { index.Write(victims[2].key, 9, 10, 0); }).join();
  }
  EXPECT_EQ(index.ContainsEach(victims), (std::vector<bool>{false, false, true}));
}

// Past max_deferred queued changes a write waits for the mutex (none is lost) and a read is
// dropped (one frequency count).
TEST(S3FifoTest, PastTheQueueBoundReadsAreDroppedAndWritesWait) {
  S3Fifo index(S3FifoOptions{.max_deferred = 2});
  index.Write("r", 1, 10, 0);
  index.Write("s", 2, 10, 0);
  std::thread writer;
  {
    auto held = index.HoldForTest();
    std::thread([&] {
      index.Write("a", 3, 10, 0);
      index.Write("b", 4, 10, 0);
      index.Read("r");  // the queue is full: dropped
    }).join();
    writer = std::thread([&] { index.Write("c", 5, 10, 0); });  // waits for the hold to end
  }
  writer.join();
  EXPECT_EQ(index.entries(), 5u);
  EXPECT_EQ(index.bytes(), 50u);
  // "r" got no second chance: it leaves first, in write order.
  EXPECT_EQ(EvictAll(index), (std::vector<std::string>{"r", "s", "a", "b", "c"}));
}

}  // namespace
}  // namespace apicached
