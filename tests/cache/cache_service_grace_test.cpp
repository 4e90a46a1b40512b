// Stale-while-revalidate through the cache layer on a FakeClock: an entry in its grace period
// is a miss for plain reads and writes, a stale hit with one refresh lease for readers that
// accept stale data, and gone after the grace; the store keeps it (and compaction with it)
// until TTL + grace.
#include <gtest/gtest.h>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;
using cache::LeaseEvent;
using cache::LeaseRead;
using cache::LeaseState;
using std::chrono::seconds;

class CacheGraceTest : public CacheServiceTest {
 protected:
  // ns/k = "old", TTL 10 s, grace 30 s.
  void Write(std::string_view value = "old", int64_t ttl = 10, uint32_t grace = 30) {
    cache::WriteRequest w;
    w.data = value;
    w.expiry = Expiry::After(ttl);
    w.grace_seconds = grace;
    auto r = cache().Write(kHttp, "svc", "k", w);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->meta.expires_ms, now() + ttl * 1000) << "the TTL's end, as every front shows";
    EXPECT_EQ(r->meta.stale_until_ms, now() + (ttl + grace) * 1000);
  }
  static LeaseRead Stale() {
    LeaseRead r;
    r.accept_stale = true;
    return r;
  }
};

TEST_F(CacheGraceTest, FreshWithinTheTtlForEveryReader) {
  Write();
  clock_.Advance(seconds(9));
  EXPECT_EQ(cache().Get(kHttp, "svc", "k")->value, "old");
  auto got = cache().GetWithLease(kHttp, "svc", "k", Stale());
  ASSERT_EQ(got->state, LeaseState::kHit);
  EXPECT_EQ(got->token, 0u);
}

TEST_F(CacheGraceTest, InTheGraceStaleReadersGetTheOldValueAndOneOfThemTheRefreshLease) {
  Write();
  clock_.Advance(seconds(10));
  EXPECT_EQ(cache().Get(kHttp, "svc", "k").code(), Code::kNotFound) << "plain readers miss";
  EXPECT_EQ(cache().MultiGet(kHttp, std::vector<cache::KeyRef>{{"svc", "k"}})->at(0), std::nullopt);
  auto first = cache().GetWithLease(kHttp, "svc", "k", Stale());
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->state, LeaseState::kStale);
  EXPECT_EQ(first->item->value, "old");
  EXPECT_NE(first->token, 0u) << "the first stale reader refreshes";
  for (int i = 0; i < 5; ++i) {
    auto other = cache().GetWithLease(kHttp, "svc", "k", Stale());
    ASSERT_EQ(other->state, LeaseState::kStale);
    EXPECT_EQ(other->item->value, "old");
    EXPECT_EQ(other->token, 0u) << "exactly one refresher";
  }
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kStaleHit), 6u);
  EXPECT_EQ(observer_.lease_events(LeaseEvent::kGranted), 1u);
  cache::WriteRequest w;
  w.data = "new";
  w.expiry = Expiry::After(10);
  w.grace_seconds = 30;
  w.lease_token = first->token;
  ASSERT_TRUE(cache().Write(kHttp, "svc", "k", w).ok());
  EXPECT_EQ(cache().Get(kHttp, "svc", "k")->value, "new");
}

TEST_F(CacheGraceTest, ReadersThatDoNotAcceptStaleDataMissAndMayTakeTheLease) {
  Write();
  clock_.Advance(seconds(11));
  LeaseRead read;
  read.lease_ms = 5000;
  auto got = cache().GetWithLease(kHttp, "svc", "k", read);
  ASSERT_EQ(got->state, LeaseState::kGranted);
  EXPECT_EQ(cache().GetWithLease(kHttp, "svc", "k", read)->state, LeaseState::kHeld);
  auto stale = cache().GetWithLease(kHttp, "svc", "k", Stale());
  ASSERT_EQ(stale->state, LeaseState::kStale);
  EXPECT_EQ(stale->token, 0u) << "the one lease of this version is taken";
}

TEST_F(CacheGraceTest, AfterTheGraceTheEntryIsGone) {
  Write();
  clock_.Advance(seconds(40));
  EXPECT_EQ(cache().GetWithLease(kHttp, "svc", "k", Stale()).code(), Code::kNotFound);
  EXPECT_EQ(store().Get("svc", "k").code(), Code::kNotFound);
}

TEST_F(CacheGraceTest, TheStoreKeepsTheEntryUntilTtlPlusGrace) {
  Write();
  clock_.Advance(seconds(39));
  auto stored = store().Get("svc", "k");
  ASSERT_TRUE(stored.ok()) << "compaction and reads keep it: its store expiry is TTL + grace";
  EXPECT_EQ(stored->info.grace_seconds, 30u);
}

TEST_F(CacheGraceTest, WritesTreatAStaleEntryAsAbsent) {
  Write();
  clock_.Advance(seconds(10));
  auto added = cache().Add(kMc, "svc", "k", "added", 0, Expiry::After(60));
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(cache().Get(kHttp, "svc", "k")->value, "added");
  Write("old2");
  clock_.Advance(seconds(10));
  EXPECT_EQ(cache().Replace(kMc, "svc", "k", "r", 0, Expiry::After(60)).code(), Code::kNotFound);
  EXPECT_EQ(cache().Touch(kMc, "svc", "k", Expiry::After(60)).code(), Code::kNotFound);
  EXPECT_EQ(cache().GetAndTouch(kMc, "svc", "k", Expiry::After(60)).code(), Code::kNotFound);
}

// HTTP's signed increment used to add to the stale value and keep it stale (found by the #15
// work): a counter past its TTL starts again, fresh, like every other write's view of it.
TEST_F(CacheGraceTest, ASignedIncrementStartsAStaleCounterAgain) {
  Write("40");
  clock_.Advance(seconds(10));
  auto incremented = cache().IncrSigned(kHttp, "svc", "k", 2, Expiry::After(60));
  ASSERT_TRUE(incremented.ok()) << incremented.status().ToString();
  EXPECT_EQ(*incremented, 2);
  auto got = cache().Get(kHttp, "svc", "k");
  ASSERT_TRUE(got.ok()) << "the new counter is fresh";
  EXPECT_EQ(got->value, "2");
  EXPECT_EQ(got->meta.expires_ms, now() + 60'000);
  EXPECT_EQ(got->meta.stale_until_ms, 0) << "no grace carried over";
}

// The generic read-modify-write (Redis INCR/APPEND/SET GET outside MULTI, HTTP If-Match) used to
// hand the stale entry to its callback as the current one: Redis INCR added to a value past its
// TTL, an If-Match PUT matched the stale version.
TEST_F(CacheGraceTest, AReadModifyWriteSeesAStaleEntryAsAbsent) {
  Write("40");
  clock_.Advance(seconds(10));
  bool saw_entry = true;
  auto kept = cache().Mutate(kRedis, "svc", "k", [&](const Entry* current) -> Result<Mutation> {
    saw_entry = current != nullptr;
    return Mutation::Keep();
  });
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_FALSE(saw_entry) << "the callback saw the stale entry as current";
  EXPECT_FALSE(kept->has_value()) << "the stale entry was answered as the live one";

  auto put = cache().Mutate(kRedis, "svc", "k", [&](const Entry* current) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = current == nullptr ? "1" : std::to_string(std::stoll(current->value) + 1);
    m.ttl_seconds = 60;
    return m;
  });
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto got = cache().Get(kHttp, "svc", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "1") << "a counter past its TTL starts again";
}

TEST_F(CacheGraceTest, TouchKeepsTheGracePeriod) {
  Write();
  clock_.Advance(seconds(5));
  auto touched = cache().Touch(kHttp, "svc", "k", Expiry::After(100));
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(touched->expires_ms, now() + 100'000);
  EXPECT_EQ(touched->stale_until_ms, now() + 130'000);
}

TEST_F(CacheGraceTest, NeverExpiringEntriesHaveNoGrace) {
  cache::WriteRequest w;
  w.data = "v";
  w.expiry = Expiry::Never();
  w.grace_seconds = 30;
  auto r = cache().Write(kHttp, "svc", "k", w);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->meta.expires_ms, 0);
  EXPECT_EQ(r->meta.stale_until_ms, 0);
}

}  // namespace
}  // namespace apicached::testing
