// GetWithLease and lease-token writes through the cache layer, on a FakeClock: one fetcher per
// miss, the others held (or woken when it stores), tokens that cannot overwrite newer values,
// leases that run out, and the lease events told to the observer.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;
using cache::LeaseEvent;
using cache::LeaseRead;
using cache::LeaseState;

using CacheLeaseTest = CacheServiceTest;

LeaseRead Lease(int64_t ms) {
  LeaseRead r;
  r.lease_ms = ms;
  return r;
}

Result<cache::WriteResult> StoreWith(cache::CacheService& c, uint64_t token, std::string_view v) {
  cache::WriteRequest w;
  w.data = v;
  w.expiry = Expiry::After(60);
  w.lease_token = token;
  return c.Write(cache::Protocol::kHttp, "svc", "k", w);
}

TEST_F(CacheLeaseTest, TheFirstReaderOfAMissFetchesTheOthersAreHeld) {
  auto first = cache().GetWithLease(kHttp, "svc", "k", Lease(5000));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->state, LeaseState::kGranted);
  EXPECT_NE(first->token, 0u);
  EXPECT_EQ(first->lease_expires_ms, now() + 5000);
  auto second = cache().GetWithLease(kMc, "svc", "k", Lease(5000));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state, LeaseState::kHeld);
  EXPECT_EQ(second->lease_expires_ms, now() + 5000);
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kGranted), 1u);
  EXPECT_EQ(observer_.lookups(), (std::vector<Lookup>{{kHttp, "svc", 0, 1}, {kMc, "svc", 0, 1}}));

  ASSERT_TRUE(StoreWith(cache(), first->token, "v").ok());
  auto third = cache().GetWithLease(kHttp, "svc", "k", Lease(5000));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->state, LeaseState::kHit);
  EXPECT_EQ(third->item->value, "v");
  EXPECT_EQ(third->token, 0u);
}

TEST_F(CacheLeaseTest, WithoutALeaseAMissIsNotFound) {
  EXPECT_EQ(cache().GetWithLease(kHttp, "svc", "k", LeaseRead{}).code(), Code::kNotFound);
  EXPECT_EQ(cache().GetWithLease(kHttp, "svc", "k", Lease(-1)).code(), Code::kInvalidArgument);
  EXPECT_EQ(
      cache().GetWithLease(kHttp, "svc", "k", Lease(cache().options().max_lease_ms + 1)).code(),
      Code::kInvalidArgument);
  EXPECT_EQ(cache().GetWithLease(kHttp, ".internal", "k", Lease(10)).code(),
            Code::kInvalidArgument);
}

TEST_F(CacheLeaseTest, AWaiterIsWokenByTheHoldersStoreAndCountsAsCoalesced) {
  auto holder = cache().GetWithLease(kHttp, "svc", "k", Lease(5000));
  ASSERT_EQ(holder->state, LeaseState::kGranted);
  int woken = 0;
  LeaseRead read = Lease(5000);
  read.waiter = [&] { ++woken; };
  auto waiting = cache().GetWithLease(kHttp, "svc", "k", read);
  ASSERT_EQ(waiting->state, LeaseState::kHeld);
  EXPECT_NE(waiting->wait_id, 0u);
  ASSERT_TRUE(StoreWith(cache(), holder->token, "v").ok());
  EXPECT_EQ(woken, 1);
  LeaseRead again = Lease(5000);
  again.after_wait = true;
  auto got = cache().GetWithLease(kHttp, "svc", "k", again);
  ASSERT_EQ(got->state, LeaseState::kHit);
  EXPECT_EQ(got->item->value, "v");
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kCoalesced), 1u);
}

TEST_F(CacheLeaseTest, AnyWriteWakesTheWaiters) {
  ASSERT_EQ(cache().GetWithLease(kHttp, "svc", "k", Lease(5000))->state, LeaseState::kGranted);
  int woken = 0;
  LeaseRead read = Lease(5000);
  read.waiter = [&] { ++woken; };
  ASSERT_NE(cache().GetWithLease(kHttp, "svc", "k", read)->wait_id, 0u);
  ASSERT_TRUE(cache().Set(kMc, "svc", "k", "plain", 0, Expiry::After(60)).ok());
  EXPECT_EQ(woken, 1);
}

TEST_F(CacheLeaseTest, ALeaseWhoseHolderNeverStoresRunsOut) {
  auto first = cache().GetWithLease(kHttp, "svc", "k", Lease(1000));
  ASSERT_EQ(first->state, LeaseState::kGranted);
  clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(cache().GetWithLease(kHttp, "svc", "k", Lease(1000))->state, LeaseState::kHeld);
  clock_.Advance(std::chrono::milliseconds(1));
  auto next = cache().GetWithLease(kHttp, "svc", "k", Lease(1000));
  ASSERT_EQ(next->state, LeaseState::kGranted);
  EXPECT_NE(next->token, first->token);
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kTimedOut), 1u);
  EXPECT_EQ(StoreWith(cache(), first->token, "late").code(), Code::kPreconditionFailed)
      << "the first holder's token was superseded";
  EXPECT_TRUE(StoreWith(cache(), next->token, "v").ok());
}

TEST_F(CacheLeaseTest, ALateHolderStillStoresWhileNobodyTookOver) {
  auto first = cache().GetWithLease(kHttp, "svc", "k", Lease(1000));
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_TRUE(StoreWith(cache(), first->token, "v").ok());
}

TEST_F(CacheLeaseTest, AStaleOrForeignTokenCannotOverwriteANewerValue) {
  auto holder = cache().GetWithLease(kHttp, "svc", "k", Lease(5000));
  ASSERT_EQ(holder->state, LeaseState::kGranted);
  EXPECT_EQ(StoreWith(cache(), holder->token + 1, "foreign").code(), Code::kPreconditionFailed);
  ASSERT_TRUE(cache().Set(kHttp, "svc", "k", "newer", 0, Expiry::After(60)).ok());
  EXPECT_EQ(StoreWith(cache(), holder->token, "old fetch").code(), Code::kPreconditionFailed);
  EXPECT_EQ(cache().Get(kHttp, "svc", "k")->value, "newer");
  // Used once: the token ends with its store.
  auto again = cache().GetWithLease(kHttp, "svc", "k2", Lease(5000));
  cache::WriteRequest w;
  w.data = "x";
  w.lease_token = again->token;
  ASSERT_TRUE(cache().Write(kHttp, "svc", "k2", w).ok());
  w.data = "y";
  EXPECT_EQ(cache().Write(kHttp, "svc", "k2", w).code(), Code::kPreconditionFailed);
  EXPECT_EQ(cache().Get(kHttp, "svc", "k2")->value, "x");
}

TEST_F(CacheLeaseTest, EarlyRefreshGivesOneReaderTheLeaseNearTheExpiry) {
  ASSERT_TRUE(cache().Set(kHttp, "svc", "k", "v", 0, Expiry::After(60)).ok());
  LeaseRead read;
  read.refresh_below_s = 10;
  auto early = cache().GetWithLease(kHttp, "svc", "k", read);
  ASSERT_EQ(early->state, LeaseState::kHit);
  EXPECT_EQ(early->token, 0u) << "60 s left, threshold 10";
  clock_.Advance(std::chrono::seconds(51));
  auto first = cache().GetWithLease(kHttp, "svc", "k", read);
  ASSERT_EQ(first->state, LeaseState::kHit);
  EXPECT_NE(first->token, 0u);
  EXPECT_EQ(first->lease_expires_ms, now() + cache().options().refresh_lease_ms);
  auto second = cache().GetWithLease(kHttp, "svc", "k", read);
  EXPECT_EQ(second->token, 0u) << "one refresher at a time";
  EXPECT_EQ(second->item->value, "v");
  cache::WriteRequest w;
  w.data = "v2";
  w.expiry = Expiry::After(60);
  w.lease_token = first->token;
  ASSERT_TRUE(cache().Write(kHttp, "svc", "k", w).ok());
  EXPECT_EQ(cache().Get(kHttp, "svc", "k")->value, "v2");
}

TEST_F(CacheLeaseTest, MetaVivifyWinsTheEntryItCreates) {
  auto created = cache().VivifyForMeta(kMc, "svc", "k", Expiry::After(30));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kGranted), 1u);
  auto seen = cache().ClaimMetaLease(kMc, "svc", "k", created->meta.version, /*want_win=*/true);
  EXPECT_TRUE(seen.win_sent);
  EXPECT_FALSE(seen.won);
  EXPECT_EQ(cache().VivifyForMeta(kMc, "svc", "k", Expiry::After(30)).code(), Code::kAlreadyExists);
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kGranted), 1u);
}

// The race the memcached meta wrapper hit (mg N from many clients at once): a reader that finds
// the entry mg N has just created, and claims before the creator has marked its win, got a plain
// hit on the empty placeholder instead of Z. The creator is held right after its store write (a
// waiter of the key's HTTP lease is woken there, on its thread) while a second reader reads and
// claims; its claim must not pass the creator's win.
TEST_F(CacheLeaseTest, AReaderOfAVivifiedEntrySeesItsWinEvenWhileTheCreatorIsMidway) {
  auto holder = cache().GetWithLease(kHttp, "svc", "k", Lease(5000));
  ASSERT_TRUE(holder.ok());
  ASSERT_EQ(holder->state, LeaseState::kGranted);

  std::mutex mu;
  std::condition_variable cv;
  bool claimed = false;
  std::optional<cache::CacheService::MetaLease> reader_saw;
  std::thread reader;
  LeaseRead read = Lease(5000);
  read.waiter = [&] {  // on the creator's thread, between its store write and its win
    reader = std::thread([&] {
      auto r = cache().Get(kMc, "svc", "k");
      ASSERT_TRUE(r.ok());
      auto lease = cache().ClaimMetaLease(kMc, "svc", "k", r->meta.version, false);
      std::lock_guard lock(mu);
      reader_saw = lease;
      claimed = true;
      cv.notify_all();
    });
    // Without the fix the claim finishes at once; with it, it waits for the creator.
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return claimed; });
  };
  auto held = cache().GetWithLease(kHttp, "svc", "k", read);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->state, LeaseState::kHeld);

  auto created = cache().VivifyForMeta(kMc, "svc", "k", Expiry::After(30));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(reader.joinable());
  reader.join();
  ASSERT_TRUE(reader_saw.has_value());
  EXPECT_TRUE(reader_saw->win_sent);
  EXPECT_FALSE(reader_saw->won);
}

}  // namespace
}  // namespace apicached::testing
