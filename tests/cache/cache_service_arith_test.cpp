// memcached's incr/decr through the cache layer (unsigned 64-bit, wrap and floor, non-numeric,
// no create on a miss unless asked) and the HTTP signed counter that creates.
#include <gtest/gtest.h>

#include <string>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::ArithRequest;
using cache::Expiry;

using CacheArithTest = CacheServiceTest;

ArithRequest By(uint64_t delta, bool decrement = false) {
  ArithRequest r;
  r.delta = delta;
  r.decrement = decrement;
  return r;
}

TEST_F(CacheArithTest, IncrWrapsAt2To64) {
  ASSERT_TRUE(cache().Set(kMc, "s", "n", "18446744073709551615", 0, Expiry::Never()).ok());
  auto r = cache().Arith(kMc, "s", "n", By(2));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->value, 1u);
  EXPECT_EQ(cache().Get(kMc, "s", "n")->value, "1" + std::string(19, ' '))
      << "padded to the old length, as memcached rewrites in place";
}

TEST_F(CacheArithTest, DecrStopsAtZeroAndPads) {
  ASSERT_TRUE(cache().Set(kMc, "s", "n", "100", 5, Expiry::After(60)).ok());
  auto r = cache().Arith(kMc, "s", "n", By(1, true));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, 99u);
  auto item = cache().Get(kMc, "s", "n");
  EXPECT_EQ(item->value, "99 ");
  EXPECT_EQ(item->meta.flags, 5u) << "flags kept";
  EXPECT_EQ(item->meta.expires_ms, now() + 60'000) << "expiry kept";
  r = cache().Arith(kMc, "s", "n", By(1000, true));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, 0u);
  EXPECT_EQ(cache().Arith(kMc, "s", "n", By(11))->value, 11u);
  EXPECT_EQ(cache().Get(kMc, "s", "n")->value, "11 ");
}

TEST_F(CacheArithTest, NonNumericIsConflictAndMissingIsNotFound) {
  ASSERT_TRUE(cache().Set(kMc, "s", "t", "text", 0, Expiry::Never()).ok());
  auto r = cache().Arith(kMc, "s", "t", By(1));
  EXPECT_EQ(r.code(), Code::kConflict);
  EXPECT_EQ(r.status().message(), "cannot increment or decrement non-numeric value");
  EXPECT_EQ(cache().Get(kMc, "s", "t")->value, "text") << "nothing written";
  EXPECT_EQ(cache().Arith(kMc, "s", "none", By(1)).code(), Code::kNotFound);
  EXPECT_EQ(cache().Get(kMc, "s", "none").code(), Code::kNotFound) << "no create";
  EXPECT_EQ(cache().Counters(kMc).incr_misses, 1u);
  EXPECT_EQ(cache().Counters(kMc).incr_hits, 0u) << "memcached counts no hit for non-numeric";
}

TEST_F(CacheArithTest, CreateWithInitialValueOnAMiss) {
  ArithRequest req = By(5);
  req.create_with = Expiry::After(30);
  req.initial = 10;
  auto r = cache().Arith(kMc, "s", "n", req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, 10u) << "the delta is not applied on create";
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->meta.expires_ms, now() + 30'000);
  r = cache().Arith(kMc, "s", "n", req);
  EXPECT_EQ(r->value, 15u);
  EXPECT_FALSE(r->created);
}

// memcached rewrites a counter in place when its new digits fit, and the item keeps its stale
// mark and its sent win; one that grows is a new item without them.
TEST_F(CacheArithTest, AnInPlaceCounterKeepsTheMetaMarks) {
  ASSERT_TRUE(cache().Set(kMc, "s", "n", "10", 0, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Invalidate(kMc, "s", "n", std::nullopt, std::nullopt).ok());
  auto r = cache().Arith(kMc, "s", "n", By(5));
  ASSERT_TRUE(r.ok());
  auto lease = cache().ClaimMetaLease(kMc, "s", "n", r->meta.version, /*want_win=*/false);
  EXPECT_TRUE(lease.stale);
  EXPECT_TRUE(lease.won) << "the first to see a stale item wins";
  r = cache().Arith(kMc, "s", "n", By(1, true));  // 15 -> 14: in place again
  ASSERT_TRUE(r.ok());
  lease = cache().ClaimMetaLease(kMc, "s", "n", r->meta.version, false);
  EXPECT_TRUE(lease.stale);
  EXPECT_TRUE(lease.win_sent) << "the win sent stays";
  r = cache().Arith(kMc, "s", "n", By(100));  // 114: more digits, a new item
  ASSERT_TRUE(r.ok());
  lease = cache().ClaimMetaLease(kMc, "s", "n", r->meta.version, false);
  EXPECT_FALSE(lease.stale);
  EXPECT_FALSE(lease.win_sent);
}

TEST_F(CacheArithTest, VersionCheckAndNewExpiry) {
  auto set = cache().Set(kMc, "s", "n", "1", 0, Expiry::Never());
  ASSERT_TRUE(set.ok());
  ArithRequest req = By(1);
  req.expected_version = set->meta.version + 1;
  EXPECT_EQ(cache().Arith(kMc, "s", "n", req).code(), Code::kPreconditionFailed);
  req.expected_version = set->meta.version;
  req.new_expiry = Expiry::After(9);
  auto r = cache().Arith(kMc, "s", "n", req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value, 2u);
  EXPECT_EQ(r->meta.expires_ms, now() + 9'000);
  EXPECT_NE(r->meta.version, set->meta.version);
}

TEST_F(CacheArithTest, SignedIncrCreatesAndRefusesNonIntegers) {
  auto r = cache().IncrSigned(kHttp, "s", "c", -3, Expiry::After(60));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, -3);
  EXPECT_EQ(cache().Get(kHttp, "s", "c")->meta.expires_ms, now() + 60'000);
  EXPECT_EQ(*cache().IncrSigned(kHttp, "s", "c", 5, Expiry::Default()), 2);
  ASSERT_TRUE(cache().Set(kHttp, "s", "t", "x", 0, Expiry::Never()).ok());
  EXPECT_EQ(cache().IncrSigned(kHttp, "s", "t", 1, Expiry::Default()).code(), Code::kConflict);
}

}  // namespace
}  // namespace apicached::testing
