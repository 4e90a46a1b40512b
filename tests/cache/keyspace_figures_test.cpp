// CountKeyspace (DBSIZE, INFO keyspace): exact up to its limit even when the store's estimate,
// which counts overwritten versions, is over it; the estimate above the limit.
#include "cache/keyspace_figures.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;

using KeyspaceFiguresTest = CacheServiceTest;

constexpr cache::KeyspaceOptions kSmall{.exact_up_to = 10, .sample_keys = 2, .page_keys = 3};

TEST_F(KeyspaceFiguresTest, OverwritesThatTakeTheEstimateOverTheLimitAreStillCountedExactly) {
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      const Expiry expiry = i < 4 ? Expiry::After(60) : Expiry::Never();
      ASSERT_TRUE(cache().Set(kRedis, "svc", "k" + std::to_string(i), "v", 0, expiry).ok());
    }
  }
  auto ns = cache().GetNamespace("svc");
  ASSERT_TRUE(ns.ok());
  ASSERT_GT(ns->approx_live_keys, 10u) << "the estimate must count the overwrites for this test";
  auto figures = cache::CountKeyspace(cache(), "svc", kSmall);
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  EXPECT_EQ(figures->keys, 10u);
  EXPECT_EQ(figures->expires, 4u);
  EXPECT_EQ(figures->avg_ttl_ms, 60'000);
}

TEST_F(KeyspaceFiguresTest, MoreKeysThanTheLimitAnswerTheEstimate) {
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(
        cache().Set(kRedis, "svc", "k" + std::to_string(i), "v", 0, Expiry::After(60)).ok());
  }
  auto ns = cache().GetNamespace("svc");
  ASSERT_TRUE(ns.ok());
  auto figures = cache::CountKeyspace(cache(), "svc", kSmall);
  ASSERT_TRUE(figures.ok()) << figures.status().ToString();
  EXPECT_EQ(figures->keys, std::max<uint64_t>(ns->approx_live_keys, 11));
  EXPECT_GT(figures->keys, 10u);
  EXPECT_EQ(figures->expires, figures->keys) << "every key read has a TTL";
}

TEST_F(KeyspaceFiguresTest, AnUnwrittenNamespaceHasNoKeys) {
  auto figures = cache::CountKeyspace(cache(), "never", kSmall);
  ASSERT_TRUE(figures.ok());
  EXPECT_EQ(figures->keys, 0u);
  EXPECT_EQ(figures->expires, 0u);
}

}  // namespace
}  // namespace apicached::testing
