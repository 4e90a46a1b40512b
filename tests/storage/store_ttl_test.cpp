// TTL rules: the boundary, TTL 0, defaults, expired reads.
#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using TtlTest = StoreTest;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_F(TtlTest, LiveUntilTheMillisecondBeforeExpiry) {
  auto put = store().Put("ns", "k", "v", "", 2);
  ASSERT_TRUE(put.ok());
  clock_.Set(put->expires_ms - 1);
  EXPECT_TRUE(store().Get("ns", "k").ok());
  EXPECT_TRUE((*store().MultiGet("ns", {"k"}))[0].has_value());
  EXPECT_EQ(store().Scan("ns", "", std::nullopt, 10)->entries.size(), 1u);
  clock_.Set(put->expires_ms);
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kNotFound);
  EXPECT_FALSE((*store().MultiGet("ns", {"k"}))[0].has_value());
  EXPECT_TRUE(store().Scan("ns", "", std::nullopt, 10)->entries.empty());
  EXPECT_EQ(*store().DeletePrefix("ns", "k"), 0u);
  EXPECT_EQ(store().GetNamespace("ns")->expired_reads, 3u);
}

TEST_F(TtlTest, ZeroNeverExpires) {
  auto put = store().Put("ns", "k", "v", "", 0);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->expires_ms, 0);
  clock_.Advance(seconds(100LL * 365 * 24 * 3600));
  EXPECT_TRUE(store().Get("ns", "k").ok());
}

// MultiPut's per-item deadline (Redis SET PX/EXAT/PXAT in a batch): kept to the millisecond
// instead of the TTL, one in the past stored already expired.
TEST_F(TtlTest, MultiPutKeepsEachItemsExactDeadline) {
  const int64_t now = clock_.NowMillis();
  std::vector<PutItem> items(3);
  items[0] = {
      .key = "a", .value = "1", .content_type = "", .ttl_seconds = 10, .expires_at_ms = now + 1234};
  items[1] = {.key = "b", .value = "2", .content_type = "", .ttl_seconds = 10};
  items[2] = {
      .key = "c", .value = "3", .content_type = "", .ttl_seconds = 0, .expires_at_ms = now - 1};
  auto infos = store().MultiPut("ns", items);
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  EXPECT_EQ((*infos)[0].expires_ms, now + 1234);
  EXPECT_EQ((*infos)[1].expires_ms, now + 10'000);
  EXPECT_EQ(store().Get("ns", "c").code(), Code::kNotFound);
  clock_.Set(now + 1233);
  EXPECT_TRUE(store().Get("ns", "a").ok());
  clock_.Set(now + 1234);
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
}

TEST_F(TtlTest, DefaultsComeFromNamespaceThenGlobal) {
  options_.ttl.default_ttl_seconds = 100;
  options_.ttl.namespace_ttl_seconds = {{"ratelimit", 60}, {"forever", 0}};
  Reopen();
  EXPECT_EQ(store().Put("plain", "k", "v", "", std::nullopt)->expires_ms,
            clock_.NowMillis() + 100'000);
  EXPECT_EQ(store().Put("ratelimit", "k", "v", "", std::nullopt)->expires_ms,
            clock_.NowMillis() + 60'000);
  EXPECT_EQ(store().Put("forever", "k", "v", "", std::nullopt)->expires_ms, 0);
  EXPECT_EQ(store().Put("ratelimit", "k", "v", "", 5)->expires_ms, clock_.NowMillis() + 5'000)
      << "an explicit ttl wins";
  EXPECT_EQ(store().GetNamespace("ratelimit")->default_ttl_seconds, 60);
  EXPECT_EQ(store().GetNamespace("plain")->default_ttl_seconds, 100);

  store().admin().SetTtlDefaults({.default_ttl_seconds = 7, .namespace_ttl_seconds = {}});
  EXPECT_EQ(store().Put("ratelimit", "k", "v", "", std::nullopt)->expires_ms,
            clock_.NowMillis() + 7'000);
  EXPECT_EQ(store().GetNamespace("ratelimit")->default_ttl_seconds, 7);
}

TEST_F(TtlTest, DefaultTtlIsTheMediumTier) {
  EXPECT_EQ(store().Put("ns", "k", "v", "", std::nullopt)->expires_ms,
            clock_.NowMillis() + 3600'000);
}

TEST_F(TtlTest, ExpiredEntriesStayInvisibleAfterReopen) {
  ASSERT_TRUE(store().Put("ns", "k", "v", "", 1).ok());
  Reopen();
  clock_.Advance(milliseconds(1000));
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kNotFound);
}

}  // namespace
}  // namespace apicached::testing
