// Expected bytes recorded from memcached 1.6.18.
#include "memcached/composer.h"

#include <gtest/gtest.h>

#include "tests/memcached/parse_helpers.h"

namespace apicached::memcached {
namespace {

using testing::ParseText;

TEST(ComposerTest, Values) {
  std::string out;
  AppendValue(out, "a", 5, "abc", std::nullopt);
  AppendValue(out, "a", 0, "abc", 2);
  AppendValue(out, "e", 4294967295u, "", std::nullopt);
  EXPECT_EQ(out, "VALUE a 5 3\r\nabc\r\nVALUE a 0 3 2\r\nabc\r\nVALUE e 4294967295 0\r\n\r\n");
}

TEST(ComposerTest, NumbersStatsVersion) {
  std::string out;
  AppendNumberLine(out, 18446744073709551615u);
  AppendStat(out, "pid", 42);
  AppendStat(out, "version", "1.6.18");
  AppendVersion(out, "1.6.18");
  EXPECT_EQ(out,
            "18446744073709551615\r\nSTAT pid 42\r\nSTAT version 1.6.18\r\nVERSION 1.6.18\r\n");
}

TEST(ComposerTest, MetaGetHitReturnsFlagsInRequestOrder) {
  auto p = ParseText("mg m1 v k f t c s\r\n");
  MetaItem item;
  item.cas = 1;
  item.size = 3;
  std::string out;
  AppendMetaReply(out, "HD", p.request, &item, "stcflhOk", std::string_view("abc"));
  EXPECT_EQ(out, "VA 3 km1 f0 t-1 c1 s3\r\nabc\r\n");
}

TEST(ComposerTest, MetaMissReturnsOpaqueAndKeyOnly) {
  auto p = ParseText("mg nokey k O123 t\r\n");
  std::string out;
  AppendMetaReply(out, "EN", p.request, nullptr, "Ok");
  EXPECT_EQ(out, "EN knokey O123\r\n");
}

TEST(ComposerTest, MetaSetReply) {
  auto p = ParseText("ms m2 3 F7 T100 c k O9\r\nxyz\r\n");
  MetaItem item;
  item.cas = 2;
  std::string out;
  AppendMetaReply(out, "HD", p.request, &item, "Okc");
  EXPECT_EQ(out, "HD c2 km2 O9\r\n");
}

TEST(ComposerTest, MetaBase64KeyIsReturnedEncoded) {
  auto p = ParseText("mg Zm9v b v k\r\n");
  MetaItem item;
  item.size = 2;
  std::string out;
  AppendMetaReply(out, "HD", p.request, &item, "stcflhOk", std::string_view("hi"));
  EXPECT_EQ(out, "VA 2 kZm9v b\r\nhi\r\n");
}

TEST(ComposerTest, MetaWinFlagsComeLastInMemcachedsOrder) {
  auto p = ParseText("mg m9 v c t\r\n");
  MetaItem item;
  item.cas = 10;
  item.ttl_seconds = 30;
  item.size = 2;
  item.stale = true;
  item.won = true;
  std::string out;
  AppendMetaReply(out, "HD", p.request, &item, "stcflhOk", std::string_view("hi"));
  EXPECT_EQ(out, "VA 2 c10 t30 X W\r\nhi\r\n");
  item.won = false;
  item.win_sent = true;
  out.clear();
  AppendMetaReply(out, "HD", p.request, &item, "stcflhOk", std::string_view("hi"));
  EXPECT_EQ(out, "VA 2 c10 t30 Z X\r\nhi\r\n");
}

TEST(ComposerTest, MetaArithmeticMiss) {
  auto p = ParseText("md m1 k O5 q\r\n");
  std::string out;
  AppendMetaReply(out, "NF", p.request, nullptr, "Ok");
  EXPECT_EQ(out, "NF km1 O5\r\n");
}

TEST(ComposerTest, MetaDebug) {
  auto p = ParseText("me m2\r\n");
  MetaItem item;
  item.ttl_seconds = 96;
  item.cas = 2;
  item.size = 3;
  std::string out;
  AppendMetaDebug(out, p.request, item);
  EXPECT_EQ(out, "ME m2 exp=-96 la=0 cas=2 fetch=no cls=1 size=3\r\n");
  item.ttl_seconds = -1;
  out.clear();
  AppendMetaDebug(out, p.request, item);
  EXPECT_EQ(out, "ME m2 exp=-1 la=0 cas=2 fetch=no cls=1 size=3\r\n");
}

}  // namespace
}  // namespace apicached::memcached
