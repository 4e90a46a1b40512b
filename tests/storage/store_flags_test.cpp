// The 32-bit client flags are stored with each entry and returned unchanged by every read, kept
// by the operations that keep an entry's value (touch, incr, Mutate's kTouch), and survive a
// reopen.
#include <gtest/gtest.h>

#include <vector>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using StoreFlagsTest = StoreTest;

constexpr uint32_t kFlags = 0xfedcba98;

TEST_F(StoreFlagsTest, PutAddCompareAndSetStoreFlags) {
  auto put = store().Put("ns", "a", "1", "", 0, kFlags);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->flags, kFlags);
  ASSERT_TRUE(store().Add("ns", "b", "2", "", 0, 16).ok());
  ASSERT_TRUE(store().CompareAndSet("ns", "a", put->version, "3", "", 0, 2).ok());
  EXPECT_EQ(store().Get("ns", "a")->info.flags, 2u);
  EXPECT_EQ(store().Get("ns", "b")->info.flags, 16u);
  ASSERT_TRUE(store().Put("ns", "c", "x", "", 0).ok());
  EXPECT_EQ(store().Get("ns", "c")->info.flags, 0u) << "the default is 0";
}

TEST_F(StoreFlagsTest, TouchAndIncrKeepFlags) {
  ASSERT_TRUE(store().Put("ns", "n", "41", "", 0, 7).ok());
  auto touched = store().Touch("ns", "n", 60);
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(touched->flags, 7u);
  ASSERT_TRUE(store().Incr("ns", "n", 1, std::nullopt).ok());
  auto entry = store().Get("ns", "n");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->value, "42");
  EXPECT_EQ(entry->info.flags, 7u);
}

TEST_F(StoreFlagsTest, MutateAndMultiPutStoreFlags) {
  auto mutated = store().Mutate("ns", "m", [](const Entry*) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = "v";
    m.flags = 99;
    return m;
  });
  ASSERT_TRUE(mutated.ok());
  ASSERT_TRUE(mutated->has_value());
  EXPECT_EQ((*mutated)->info.flags, 99u);
  std::vector<PutItem> items(2);
  items[0].key = "x";
  items[0].flags = 1;
  items[1].key = "y";
  items[1].flags = 2;
  auto infos = store().MultiPut("ns", items);
  ASSERT_TRUE(infos.ok());
  EXPECT_EQ((*infos)[1].flags, 2u);
  auto got = store().MultiGet("ns", {"m", "x", "y"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0]->info.flags, 99u);
  EXPECT_EQ((*got)[1]->info.flags, 1u);
  EXPECT_EQ((*got)[2]->info.flags, 2u);
}

TEST_F(StoreFlagsTest, MutateTouchKeepsValueFlagsAndVersion) {
  auto put = store().Put("ns", "t", "v", "text/plain", 0, 5);
  ASSERT_TRUE(put.ok());
  auto touched = store().Mutate(
      "ns", "t", [](const Entry*) -> Result<Mutation> { return Mutation::Touch(30); });
  ASSERT_TRUE(touched.ok());
  ASSERT_TRUE(touched->has_value());
  EXPECT_EQ((*touched)->info.version, put->version);
  EXPECT_EQ((*touched)->info.flags, 5u);
  EXPECT_EQ((*touched)->info.expires_ms, clock_.NowMillis() + 30'000);
  auto entry = store().Get("ns", "t");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->value, "v");
  EXPECT_EQ(entry->info.expires_ms, clock_.NowMillis() + 30'000);
  // No live entry: nothing to touch, nothing created.
  auto absent = store().Mutate(
      "ns", "none", [](const Entry*) -> Result<Mutation> { return Mutation::Touch(30); });
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_EQ(store().Get("ns", "none").code(), Code::kNotFound);
}

TEST_F(StoreFlagsTest, FlagsSurviveReopen) {
  ASSERT_TRUE(store().Put("ns", "k", "v", "text/plain", 0, kFlags).ok());
  Reopen();
  auto entry = store().Get("ns", "k");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->info.flags, kFlags);
  EXPECT_EQ(entry->content_type, "text/plain");
}

}  // namespace
}  // namespace apicached::testing
