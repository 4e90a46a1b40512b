// Reads through the cache layer: values and metadata as written, namespace checks, and the
// lookup statistics: told once per call and namespace, with the caller's protocol.
#include <gtest/gtest.h>

#include <vector>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;
using cache::KeyRef;

using CacheReadTest = CacheServiceTest;

TEST_F(CacheReadTest, GetReturnsValueAndMetadata) {
  auto w = cache().Set(kMc, "svc", "k", std::string("b\0in", 4), 16, Expiry::After(60));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto item = cache().Get(kHttp, "svc", "k");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->value, std::string("b\0in", 4));
  EXPECT_EQ(item->content_type, "") << "memcached writes carry no content type";
  EXPECT_EQ(item->meta.flags, 16u);
  EXPECT_EQ(item->meta.size, 4u);
  EXPECT_EQ(item->meta.version, w->meta.version);
  EXPECT_EQ(item->meta.created_ms, now());
  EXPECT_EQ(item->meta.expires_ms, now() + 60'000);
}

TEST_F(CacheReadTest, EveryLookupIsCountedOnceWithItsProtocol) {
  ASSERT_TRUE(cache().Set(kHttp, "svc", "a", "1", 0, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Get(kMc, "svc", "a").ok());
  EXPECT_EQ(cache().Get(kHttp, "svc", "zz").code(), Code::kNotFound);
  EXPECT_EQ(observer_.lookups(), (std::vector<Lookup>{{kMc, "svc", 1, 0}, {kHttp, "svc", 0, 1}}));
  EXPECT_EQ(cache().Counters(kMc).get_hits, 1u);
  EXPECT_EQ(cache().Counters(kMc).cmd_get, 1u);
  EXPECT_EQ(cache().Counters(kHttp).get_misses, 1u);
  EXPECT_EQ(cache().Counters(kHttp).get_hits, 0u);
}

TEST_F(CacheReadTest, MultiGetAnswersInOrderAndCountsOncePerNamespace) {
  ASSERT_TRUE(cache().Set(kMc, "one", "a", "A", 1, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Set(kMc, "two", "b", "B", 2, Expiry::Never()).ok());
  const std::vector<KeyRef> keys = {
      {"one", "a"}, {"two", "b"}, {"one", "missing"}, {"two", "b"}, {"one", "a"}};
  auto r = cache().MultiGet(kMc, keys);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0]->value, "A");
  EXPECT_EQ((*r)[1]->meta.flags, 2u);
  EXPECT_FALSE((*r)[2].has_value());
  EXPECT_EQ((*r)[3]->value, "B") << "repeated keys are answered each time";
  EXPECT_EQ((*r)[4]->value, "A");
  EXPECT_EQ(observer_.lookups(), (std::vector<Lookup>{{kMc, "one", 2, 1}, {kMc, "two", 2, 0}}));
  EXPECT_EQ(cache().Counters(kMc).cmd_get, 5u);
  EXPECT_TRUE(cache().MultiGet(kMc, {})->empty());
}

TEST_F(CacheReadTest, BadNamespacesAreRefusedAndNotCounted) {
  EXPECT_EQ(cache().Get(kHttp, ".stats", "k").code(), Code::kInvalidArgument);
  EXPECT_EQ(cache().Get(kHttp, "Bad Name", "k").code(), Code::kInvalidArgument);
  const std::vector<KeyRef> keys = {{"ok", "a"}, {".internal", "b"}};
  EXPECT_EQ(cache().MultiGet(kHttp, keys).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache().Set(kHttp, ".stats", "k", "v", 0, Expiry::Never()).code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(observer_.lookups().empty());
  EXPECT_EQ(cache().Counters(kHttp).cmd_get, 0u);
}

TEST_F(CacheReadTest, GetAndTouchReturnsTheValueWithItsNewExpiry) {
  auto w = cache().Set(kMc, "svc", "k", "v", 3, Expiry::After(10));
  ASSERT_TRUE(w.ok());
  clock_.Advance(std::chrono::seconds(5));
  auto item = cache().GetAndTouch(kMc, "svc", "k", Expiry::After(100));
  ASSERT_TRUE(item.ok()) << item.status().ToString();
  EXPECT_EQ(item->value, "v");
  EXPECT_EQ(item->meta.flags, 3u);
  EXPECT_EQ(item->meta.version, w->meta.version) << "a touch keeps the CAS unique";
  EXPECT_EQ(item->meta.expires_ms, now() + 100'000);
  clock_.Advance(std::chrono::seconds(50));
  EXPECT_TRUE(cache().Get(kMc, "svc", "k").ok()) << "the old 10 s expiry no longer applies";
  EXPECT_EQ(cache().GetAndTouch(kMc, "svc", "none", Expiry::After(1)).code(), Code::kNotFound);
  EXPECT_EQ(observer_.lookups(),
            (std::vector<Lookup>{{kMc, "svc", 1, 0}, {kMc, "svc", 1, 0}, {kMc, "svc", 0, 1}}));
  EXPECT_EQ(cache().Counters(kMc).touch_hits, 1u);
  EXPECT_EQ(cache().Counters(kMc).touch_misses, 1u);
}

TEST_F(CacheReadTest, GetAndTouchReportsTheExpiryBeforeTheTouch) {
  ASSERT_TRUE(cache().Set(kMc, "svc", "k", "v", 0, Expiry::After(10)).ok());
  const int64_t set_at = now();
  int64_t before = -1;
  auto item = cache().GetAndTouch(kMc, "svc", "k", Expiry::After(100), &before);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(before, set_at + 10'000) << "what mg's t shows before a T";
  EXPECT_EQ(item->meta.expires_ms, now() + 100'000);
  ASSERT_TRUE(cache().GetAndTouch(kMc, "svc", "k", Expiry::Never(), &before).ok());
  EXPECT_EQ(before, now() + 100'000);
  ASSERT_TRUE(cache().GetAndTouch(kMc, "svc", "k", Expiry::After(5), &before).ok());
  EXPECT_EQ(before, 0) << "0: it never expired";
}

TEST_F(CacheReadTest, GetAndTouchExpiredReturnsTheValueOnceThenItIsGone) {
  ASSERT_TRUE(cache().Set(kMc, "svc", "k", "v", 0, Expiry::Never()).ok());
  auto item = cache().GetAndTouch(kMc, "svc", "k", Expiry::Expired());
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->value, "v");
  EXPECT_EQ(cache().Get(kMc, "svc", "k").code(), Code::kNotFound);
}

}  // namespace
}  // namespace apicached::testing
