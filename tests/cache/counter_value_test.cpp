// memcached's reading of a stored counter (safe_strtoull), its wrap and floor, and the space
// padding of a shorter result.
#include "cache/counter_value.h"

#include <gtest/gtest.h>

#include <string>

namespace apicached::cache {
namespace {

TEST(CounterValueTest, ParsesAsMemcachedDoes) {
  EXPECT_EQ(ParseCounter("0"), 0u);
  EXPECT_EQ(ParseCounter("42"), 42u);
  EXPECT_EQ(ParseCounter("  7"), 7u) << "leading blanks are skipped";
  EXPECT_EQ(ParseCounter("99 "), 99u) << "what a decr leaves behind";
  EXPECT_EQ(ParseCounter("12 abc"), 12u) << "anything after a blank is ignored";
  EXPECT_EQ(ParseCounter("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseCounter(std::string("5\0x", 3)), 5u) << "a NUL ends the number";
  EXPECT_EQ(ParseCounter("-0"), 0u);
}

TEST(CounterValueTest, RefusesWhatMemcachedRefuses) {
  EXPECT_FALSE(ParseCounter(""));
  EXPECT_FALSE(ParseCounter("abc"));
  EXPECT_FALSE(ParseCounter("12abc"));
  EXPECT_FALSE(ParseCounter("1.5"));
  EXPECT_FALSE(ParseCounter("18446744073709551616")) << "2^64 overflows";
  EXPECT_FALSE(ParseCounter("-1"));
  EXPECT_FALSE(ParseCounter(" "));
}

TEST(CounterValueTest, IncrWrapsDecrStopsAtZero) {
  EXPECT_EQ(ApplyDelta(UINT64_MAX, 1, false), 0u);
  EXPECT_EQ(ApplyDelta(UINT64_MAX - 1, 3, false), 1u);
  EXPECT_EQ(ApplyDelta(5, 3, false), 8u);
  EXPECT_EQ(ApplyDelta(5, 3, true), 2u);
  EXPECT_EQ(ApplyDelta(5, 6, true), 0u);
  EXPECT_EQ(ApplyDelta(0, UINT64_MAX, true), 0u);
}

TEST(CounterValueTest, ShorterResultsArePaddedWithSpaces) {
  EXPECT_EQ(CounterBytes(99, 3), "99 ");
  EXPECT_EQ(CounterBytes(9, 5), "9    ");
  EXPECT_EQ(CounterBytes(100, 2), "100") << "a longer result takes the room it needs";
  EXPECT_EQ(CounterBytes(0, 0), "0");
}

}  // namespace
}  // namespace apicached::cache
