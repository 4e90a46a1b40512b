// The lease table alone, with the time passed in: one holder per key and version, tokens that
// stop working once superseded, leases that run out, waiters woken once.
#include "cache/lease_table.h"

#include <gtest/gtest.h>

#include <set>

namespace apicached::cache {
namespace {

TEST(LeaseTableTest, OneHolderUntilTheLeaseRunsOut) {
  LeaseTable t;
  auto first = t.Acquire("ns", "k", 0, /*now_ms=*/1000, /*lease_ms=*/500);
  ASSERT_TRUE(first.granted);
  EXPECT_NE(first.token, 0u);
  EXPECT_EQ(first.expires_ms, 1500);
  auto second = t.Acquire("ns", "k", 0, 1499, 500);
  EXPECT_FALSE(second.granted);
  EXPECT_EQ(second.expires_ms, 1500) << "the holder's end, for Retry-After";
  auto after = t.Acquire("ns", "k", 0, 1500, 500);
  ASSERT_TRUE(after.granted) << "a lease whose holder never stored runs out";
  EXPECT_TRUE(after.replaced_expired);
  EXPECT_NE(after.token, first.token);
}

TEST(LeaseTableTest, KeysAndNamespacesAreIndependent) {
  LeaseTable t;
  EXPECT_TRUE(t.Acquire("a", "k", 0, 0, 100).granted);
  EXPECT_TRUE(t.Acquire("b", "k", 0, 0, 100).granted);
  EXPECT_TRUE(t.Acquire("a", "k2", 0, 0, 100).granted);
}

TEST(LeaseTableTest, ALeaseBelongsToOneVersion) {
  LeaseTable t;
  ASSERT_TRUE(t.Acquire("ns", "k", 7, 0, 100).granted);
  EXPECT_FALSE(t.Acquire("ns", "k", 7, 50, 100).granted);
  EXPECT_TRUE(t.Acquire("ns", "k", 8, 50, 100).granted) << "a new version is a new lease";
}

TEST(LeaseTableTest, OnlyTheCurrentTokenIsValid) {
  LeaseTable t;
  auto a = t.Acquire("ns", "k", 0, 0, 100);
  EXPECT_TRUE(t.Valid("ns", "k", a.token, 0));
  EXPECT_FALSE(t.Valid("ns", "k", a.token + 1, 0)) << "a foreign token";
  EXPECT_FALSE(t.Valid("ns", "k", a.token, 5)) << "the key is at another version now";
  EXPECT_TRUE(t.Valid("ns", "k", a.token, 0)) << "ran out, but nobody took over: still stores";
  auto b = t.Acquire("ns", "k", 0, 200, 100);
  ASSERT_TRUE(b.granted);
  EXPECT_FALSE(t.Valid("ns", "k", a.token, 0)) << "superseded";
  EXPECT_TRUE(t.Valid("ns", "k", b.token, 0));
  t.Wake("ns", "k");
  EXPECT_FALSE(t.Valid("ns", "k", b.token, 0)) << "a write ends the lease";
}

TEST(LeaseTableTest, TokensAreDistinct) {
  LeaseTable t;
  std::set<uint64_t> tokens;
  for (int i = 0; i < 1000; ++i) {
    tokens.insert(t.Acquire("ns", "k" + std::to_string(i), 0, 0, 100).token);
  }
  EXPECT_EQ(tokens.size(), 1000u);
  EXPECT_FALSE(tokens.contains(0));
}

TEST(LeaseTableTest, WaitersAreCalledOnceAtTheNextWrite) {
  LeaseTable t;
  ASSERT_TRUE(t.Acquire("ns", "k", 0, 0, 100).granted);
  int calls = 0;
  const uint64_t id = t.WaitIfHeld("ns", "k", 0, 10, [&] { ++calls; });
  ASSERT_NE(id, 0u);
  EXPECT_EQ(calls, 0);
  t.Wake("ns", "k");
  EXPECT_EQ(calls, 1);
  t.Wake("ns", "k");
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(t.Cancel("ns", "k", id)) << "already called";
}

TEST(LeaseTableTest, NoWaitWithoutALiveLease) {
  LeaseTable t;
  int calls = 0;
  EXPECT_EQ(t.WaitIfHeld("ns", "k", 0, 0, [&] { ++calls; }), 0u);
  ASSERT_TRUE(t.Acquire("ns", "k", 0, 0, 100).granted);
  EXPECT_EQ(t.WaitIfHeld("ns", "k", 0, 100, [&] { ++calls; }), 0u) << "ran out";
  EXPECT_EQ(calls, 0);
}

TEST(LeaseTableTest, ACancelledWaiterIsNeverCalled) {
  LeaseTable t;
  ASSERT_TRUE(t.Acquire("ns", "k", 0, 0, 100).granted);
  int calls = 0;
  const uint64_t id = t.WaitIfHeld("ns", "k", 0, 0, [&] { ++calls; });
  EXPECT_TRUE(t.Cancel("ns", "k", id));
  EXPECT_FALSE(t.Cancel("ns", "k", id));
  t.Wake("ns", "k");
  EXPECT_EQ(calls, 0);
}

TEST(LeaseTableTest, StaleMarksBelongToOneVersion) {
  LeaseTable t;
  t.MarkStale("ns", "k", 5, /*won=*/false);
  EXPECT_TRUE(t.IsStale("ns", "k", 5));
  EXPECT_FALSE(t.IsStale("ns", "k", 6));
  EXPECT_FALSE(t.Holder("ns", "k", 5, 0).granted);
  t.MarkStale("ns", "k", 6, /*won=*/true);
  EXPECT_TRUE(t.Holder("ns", "k", 6, 1'000'000).granted) << "memcached's win lasts the version";
}

TEST(LeaseTableTest, SizeFollowsGrantsWakesAndTheBound) {
  LeaseTable t(LeaseTableOptions{.max_keys = 2, .shards = 1});
  EXPECT_EQ(t.size(), 0u);
  t.Wake("ns", "a");  // nothing to end: a cheap no-op
  ASSERT_TRUE(t.Acquire("ns", "a", 0, 0, 100).granted);
  EXPECT_TRUE(t.Holder("ns", "a", 0, 0).granted);
  t.Wake("ns", "a");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.Holder("ns", "a", 0, 0).granted);
  for (const char* k : {"a", "b", "c", "d"}) ASSERT_TRUE(t.Acquire("ns", k, 0, 0, 100).granted);
  EXPECT_EQ(t.size(), 2u);
  t.Wake("ns", "c");
  t.Wake("ns", "d");
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.Acquire("ns", "e", 0, 0, 100).granted) << "the table works again once empty";
  EXPECT_TRUE(t.Holder("ns", "e", 0, 0).granted);
}

TEST(LeaseTableTest, TheOldestSlotsGoPastTheBoundAndTheirWaitersWake) {
  LeaseTable t(LeaseTableOptions{.max_keys = 2, .shards = 1});
  ASSERT_TRUE(t.Acquire("ns", "a", 0, 0, 1000).granted);
  int calls = 0;
  ASSERT_NE(t.WaitIfHeld("ns", "a", 0, 0, [&] { ++calls; }), 0u);
  ASSERT_TRUE(t.Acquire("ns", "b", 0, 0, 1000).granted);
  ASSERT_TRUE(t.Acquire("ns", "c", 0, 0, 1000).granted);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(calls, 1) << "a dropped slot's waiters look again";
  EXPECT_TRUE(t.Acquire("ns", "a", 0, 1, 1000).granted) << "as if a's lease had run out";
}

}  // namespace
}  // namespace apicached::cache
