// The TTL compaction filter and the expiry properties collector on their own.
#include <gtest/gtest.h>

#include "storage/entry_codec.h"
#include "storage/expiry_properties_collector.h"
#include "storage/ttl_compaction_filter.h"

namespace apicached {
namespace {

std::string Encoded(int64_t expires_ms) {
  return EncodeEntry({.created_ms = 1, .expires_ms = expires_ms, .version = 1}, "", "v");
}

rocksdb::CompactionFilter::Decision Decide(const TtlCompactionFilter& filter,
                                           const std::string& value) {
  std::string new_value, skip_until;
  return filter.FilterV2(0, "k", rocksdb::CompactionFilter::ValueType::kValue, value, &new_value,
                         &skip_until);
}

TEST(TtlCompactionFilterTest, DropsOnlyExpiredEntriesAndCountsThem) {
  FakeClock clock(10'000);
  auto dropped = std::make_shared<std::atomic<uint64_t>>(0);
  TtlCompactionFilterFactory factory(clock, dropped);
  auto filter = factory.CreateCompactionFilter({});
  const auto& ttl = static_cast<const TtlCompactionFilter&>(*filter);
  using D = rocksdb::CompactionFilter::Decision;
  EXPECT_EQ(Decide(ttl, Encoded(10'000)), D::kRemove);
  EXPECT_EQ(Decide(ttl, Encoded(9'999)), D::kRemove);
  EXPECT_EQ(Decide(ttl, Encoded(10'001)), D::kKeep);
  EXPECT_EQ(Decide(ttl, Encoded(0)), D::kKeep) << "never expires";
  EXPECT_EQ(Decide(ttl, "garbage"), D::kKeep) << "undecodable values are kept";
  EXPECT_EQ(dropped->load(), 2u);
}

TEST(ExpiryPropertiesCollectorTest, ProfilesWhatExpiresWhen) {
  ExpiryPropertiesCollector collector;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(collector.AddUserKey("k", Encoded(1'000 * (i + 1)), rocksdb::kEntryPut, 0, 0).ok());
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(collector.AddUserKey("k", Encoded(0), rocksdb::kEntryPut, 0, 0).ok());
  }
  ASSERT_TRUE(collector.AddUserKey("k", "", rocksdb::kEntryDelete, 0, 0).ok());
  ASSERT_TRUE(collector.AddUserKey("k", "garbage", rocksdb::kEntryPut, 0, 0).ok());
  rocksdb::UserCollectedProperties props;
  ASSERT_TRUE(collector.Finish(&props).ok());
  const ExpiryProfile profile = ParseExpiryProfile(props);
  EXPECT_EQ(profile.entries, 201u);
  EXPECT_EQ(profile.deletes, 1u);
  EXPECT_LE(profile.buckets.size(), 2 * ExpiryPropertiesCollector::kBuckets + 1);
  EXPECT_DOUBLE_EQ(profile.ReclaimableFraction(0), 1.0 / 202);
  EXPECT_DOUBLE_EQ(profile.ReclaimableFraction(1'000'000), 101.0 / 202);
  const double half = profile.ReclaimableFraction(50'000);
  EXPECT_GT(half, 0.1);
  EXPECT_LE(half, 51.0 / 202) << "never counts an entry before it expired";
}

TEST(ExpiryPropertiesCollectorTest, ToleratesMissingOrMalformedProperties) {
  EXPECT_EQ(ParseExpiryProfile({}).ReclaimableFraction(1), 0.0);
  const ExpiryProfile p = ParseExpiryProfile(
      {{kEntriesProperty, "10"}, {kDeletesProperty, "x"}, {kExpiryProperty, "5:3,bad"}});
  EXPECT_EQ(p.entries, 10u);
  EXPECT_EQ(p.deletes, 0u);
  EXPECT_DOUBLE_EQ(p.ReclaimableFraction(5), 0.3);
}

}  // namespace
}  // namespace apicached
