#include "memcached/meta_expiry.h"

#include <gtest/gtest.h>

#include "memcached/expiry.h"
#include "tests/memcached/parse_helpers.h"

namespace apicached::memcached {
namespace {

using testing::ParseText;
using Kind = ParseResult::Kind;

constexpr int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15

TEST(MetaExpiryTest, FlagPositionIsTheTokenIndex) {
  auto p = ParseText("mg k v t T30 R10\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(FlagPosition(p.request, 'v'), 0u);
  EXPECT_EQ(FlagPosition(p.request, 't'), 1u);
  EXPECT_EQ(FlagPosition(p.request, 'R'), 3u);
  EXPECT_EQ(FlagPosition(p.request, 'N'), 4u);  // absent: the count
}

TEST(MetaExpiryTest, TBeforeAPositionSetsTheExpiryThere) {
  auto p = ParseText("mg k t T30 v\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand) << p.input;
  EXPECT_EQ(ExptimeBefore(p.request, 0, false), std::nullopt);  // the item's own
  EXPECT_EQ(ExptimeBefore(p.request, 2, false), 30);
}

TEST(MetaExpiryTest, NCountsOnlyForACreatedItem) {
  auto p = ParseText("mg k N30 t\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(ExptimeBefore(p.request, 1, /*created=*/false), std::nullopt);
  EXPECT_EQ(ExptimeBefore(p.request, 1, /*created=*/true), 30);
  EXPECT_EQ(ExptimeBefore(p.request, 0, /*created=*/true), std::nullopt);
}

TEST(MetaExpiryTest, TheLaterOfTAndNWins) {
  auto n_then_t = ParseText("mg k N30 T60\r\n");
  auto t_then_n = ParseText("mg k T60 N30\r\n");
  ASSERT_EQ(n_then_t.result.kind, Kind::kCommand);
  ASSERT_EQ(t_then_n.result.kind, Kind::kCommand);
  EXPECT_EQ(CreatedExptime(n_then_t.request), 60);
  EXPECT_EQ(CreatedExptime(t_then_n.request), 30);
  auto ma = ParseText("ma k N30 T100\r\n");
  ASSERT_EQ(ma.result.kind, Kind::kCommand);
  EXPECT_EQ(CreatedExptime(ma.request), 100);
}

TEST(MetaExpiryTest, TtlOfExptimeAsMgShowsIt) {
  EXPECT_EQ(TtlOfExptime(0, kNowMs), -1);
  EXPECT_EQ(TtlOfExptime(-1, kNowMs), 0);
  EXPECT_EQ(TtlOfExptime(30, kNowMs), 30);
  EXPECT_EQ(TtlOfExptime(kMaxRelativeExptime, kNowMs), kMaxRelativeExptime);
  EXPECT_EQ(TtlOfExptime(1'800'000'100, kNowMs), 100);  // absolute, 100 s ahead
  EXPECT_EQ(TtlOfExptime(1'700'000'000, kNowMs), 0);    // absolute, past
}

TEST(MetaExpiryTest, RecacheThresholdFollowsRealtime) {
  EXPECT_EQ(RecacheThresholdSeconds(0, kNowMs), std::nullopt);
  EXPECT_EQ(RecacheThresholdSeconds(-1, kNowMs), std::nullopt);
  EXPECT_EQ(RecacheThresholdSeconds(30, kNowMs), 30);
  EXPECT_EQ(RecacheThresholdSeconds(kMaxRelativeExptime + 1, kNowMs), std::nullopt);  // 1970
  EXPECT_EQ(RecacheThresholdSeconds(1'800'000'100, kNowMs), 100);
  EXPECT_EQ(RecacheThresholdSeconds(1'800'000'000, kNowMs), std::nullopt);  // now
}

}  // namespace
}  // namespace apicached::memcached
