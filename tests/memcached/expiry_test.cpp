#include "memcached/expiry.h"

#include <gtest/gtest.h>

namespace apicached::memcached {
namespace {

using cache::Expiry;

TEST(ExpiryTest, ZeroNeverExpires) {
  EXPECT_EQ(ExpiryFromExptime(0), Expiry::Never());
}

TEST(ExpiryTest, NegativeHasExpired) {
  EXPECT_EQ(ExpiryFromExptime(-1), Expiry::Expired());
  EXPECT_EQ(ExpiryFromExptime(INT32_MIN), Expiry::Expired());
}

TEST(ExpiryTest, UpToThirtyDaysIsRelative) {
  EXPECT_EQ(ExpiryFromExptime(1), Expiry::After(1));
  EXPECT_EQ(ExpiryFromExptime(2592000), Expiry::After(2592000));
}

TEST(ExpiryTest, BeyondThirtyDaysIsAnAbsoluteUnixTime) {
  EXPECT_EQ(ExpiryFromExptime(2592001), Expiry::AtUnix(2592001));
  EXPECT_EQ(ExpiryFromExptime(1800000000), Expiry::AtUnix(1800000000));
}

}  // namespace
}  // namespace apicached::memcached
