// The TTL rules of the cache layer: each Expiry form, the one rounding rule for absolute
// times, the max TTL, the namespace default, and Touch.
#include <gtest/gtest.h>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;

using CacheExpiryTest = CacheServiceTest;

TEST_F(CacheExpiryTest, EachFormGivesItsExpiry) {
  EXPECT_EQ(cache().Set(kMc, "s", "never", "v", 0, Expiry::Never())->meta.expires_ms, 0);
  EXPECT_EQ(cache().Set(kMc, "s", "after", "v", 0, Expiry::After(5))->meta.expires_ms,
            now() + 5'000);
  EXPECT_EQ(cache().Set(kMc, "s", "default", "v", 0, Expiry::Default())->meta.expires_ms,
            now() + 3'600'000);
  EXPECT_EQ(Expiry::After(0), Expiry::Expired());
  EXPECT_EQ(Expiry::After(-1), Expiry::Expired());
}

TEST_F(CacheExpiryTest, AbsoluteTimesExpireWithinTheSecondAfter) {
  clock_.Set(1'800'000'000'400);  // 400 ms into a second
  const int64_t t = 1'800'000'100;
  auto r = cache().Set(kMc, "s", "k", "v", 0, Expiry::AtUnix(t));
  ASSERT_TRUE(r.ok());
  // TTL = T - floor(now_s) = 100 s from now: 400 ms after T, never before it.
  EXPECT_EQ(r->meta.expires_ms, t * 1000 + 400);
  clock_.Set(t * 1000 - 1);
  EXPECT_TRUE(cache().Get(kMc, "s", "k").ok());
  clock_.Set(t * 1000 + 400);
  EXPECT_EQ(cache().Get(kMc, "s", "k").code(), Code::kNotFound);
  // The current second or earlier: expired at once.
  EXPECT_TRUE(cache().Set(kMc, "s", "past", "v", 0, Expiry::AtUnix(now() / 1000)).ok());
  EXPECT_EQ(cache().Get(kMc, "s", "past").code(), Code::kNotFound);
}

TEST_F(CacheExpiryTest, LongerThanMaxTtlIsRefused) {
  const int64_t max = cache().options().max_ttl_seconds;
  EXPECT_TRUE(cache().Set(kMc, "s", "k", "v", 0, Expiry::After(max)).ok());
  auto r = cache().Set(kMc, "s", "k", "v", 0, Expiry::After(max + 1));
  EXPECT_EQ(r.code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("ttl must be 0 (never expires) to"), std::string::npos);
  EXPECT_EQ(cache().Set(kMc, "s", "k", "v", 0, Expiry::AtUnix(now() / 1000 + max + 1)).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(cache().CheckTtlSeconds(-1).code(), Code::kInvalidArgument);
  EXPECT_TRUE(cache().CheckTtlSeconds(0).ok());
}

TEST_F(CacheExpiryTest, TouchSetsANewExpiryKeepingTheRest) {
  auto set = cache().Set(kMc, "s", "k", "value", 8, Expiry::After(10));
  ASSERT_TRUE(set.ok());
  clock_.Advance(std::chrono::seconds(9));
  auto t = cache().Touch(kMc, "s", "k", Expiry::After(20));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->expires_ms, now() + 20'000);
  EXPECT_EQ(t->version, set->meta.version);
  EXPECT_EQ(t->flags, 8u);
  EXPECT_EQ(t->size, 5u);
  clock_.Advance(std::chrono::seconds(19));
  EXPECT_TRUE(cache().Get(kMc, "s", "k").ok());
  EXPECT_EQ(cache().Touch(kMc, "s", "none", Expiry::After(1)).code(), Code::kNotFound);
  EXPECT_TRUE(cache().Touch(kMc, "s", "k", Expiry::Expired()).ok()) << "memcached: TOUCHED";
  EXPECT_EQ(cache().Get(kMc, "s", "k").code(), Code::kNotFound) << "and gone";
  EXPECT_EQ(cache().Counters(kMc).touch_hits, 2u);
  EXPECT_EQ(cache().Counters(kMc).touch_misses, 1u);
}

}  // namespace
}  // namespace apicached::testing
