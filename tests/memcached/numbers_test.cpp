#include "memcached/numbers.h"

#include <gtest/gtest.h>

namespace apicached::memcached {
namespace {

TEST(NumbersTest, UnsignedAcceptsWhatStrtoullAccepts) {
  EXPECT_EQ(ParseU64("0"), 0u);
  EXPECT_EQ(ParseU64("+5"), 5u);
  EXPECT_EQ(ParseU64("007"), 7u);
  EXPECT_EQ(ParseU64("-0"), 0u);
  EXPECT_EQ(ParseU64("12\r"), 12u);  // a white-space byte may end the number
  EXPECT_EQ(ParseU64("\t12"), 12u);
  EXPECT_EQ(ParseU64("18446744073709551615"), UINT64_MAX);
}

TEST(NumbersTest, UnsignedRefusesNegativeOverflowAndJunk) {
  EXPECT_FALSE(ParseU64("-1"));
  EXPECT_FALSE(ParseU64("18446744073709551616"));
  EXPECT_FALSE(ParseU64("x"));
  EXPECT_FALSE(ParseU64("1x"));
  EXPECT_FALSE(ParseU64(""));
  EXPECT_FALSE(ParseU64("+"));
}

TEST(NumbersTest, ThirtyTwoBitsKeepTheLowBitsAsMemcachedDoes) {
  EXPECT_EQ(ParseU32("4294967295"), 4294967295u);
  EXPECT_EQ(ParseU32("4294967296"), 0u);  // memcached stores flags 0 for this
  EXPECT_EQ(ParseI32("-1"), -1);
  EXPECT_EQ(ParseI32("4294967296"), 0);
  EXPECT_EQ(ParseI32("9999999999"), 1410065407);
  EXPECT_EQ(ParseI32("-9223372036854775808"), 0);
  EXPECT_FALSE(ParseI32("9223372036854775808"));
  EXPECT_FALSE(ParseI32("1.5"));
}

TEST(NumbersTest, AppendsDecimal) {
  std::string out = "x";
  AppendDecimal(out, uint64_t{18446744073709551615u});
  AppendDecimal(out, int64_t{-1});
  EXPECT_EQ(out, "x18446744073709551615-1");
}

}  // namespace
}  // namespace apicached::memcached
