#include "memcached/lease_table.h"

#include <gtest/gtest.h>

namespace apicached::memcached {
namespace {

TEST(LeaseTableTest, MarksBelongToOneVersion) {
  LeaseTable t;
  t.Set("ns", "k", 7, LeaseMarks{true, true});
  EXPECT_TRUE(t.Get("ns", "k", 7).win_sent);
  EXPECT_TRUE(t.Get("ns", "k", 7).stale);
  EXPECT_FALSE(t.Get("ns", "k", 8).win_sent);  // a new write: no marks
  EXPECT_FALSE(t.Get("other", "k", 7).stale);
}

TEST(LeaseTableTest, TheOldestMarksGoPastTheBound) {
  LeaseTable t(2);
  t.Set("ns", "a", 1, LeaseMarks{true, false});
  t.Set("ns", "b", 1, LeaseMarks{true, false});
  t.Set("ns", "a", 2, LeaseMarks{true, false});  // an update is no new slot
  t.Set("ns", "c", 1, LeaseMarks{true, false});
  EXPECT_FALSE(t.Get("ns", "a", 2).win_sent);
  EXPECT_TRUE(t.Get("ns", "b", 1).win_sent);
  EXPECT_TRUE(t.Get("ns", "c", 1).win_sent);
}

}  // namespace
}  // namespace apicached::memcached
