#include "storage/entry_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/storage/format_one_entry.h"

namespace apicached {
namespace {

using testing::FormatOneEntry;

TEST(EntryCodecTest, RoundTripsEveryField) {
  const EntryInfo info{
      .created_ms = 1'767'225'600'123, .expires_ms = -5, .version = ~0ull, .flags = 0xdeadbeef};
  const std::string raw = EncodeEntry(info, "application/json", std::string("v\0al", 4));
  EXPECT_EQ(raw.size(), kEntryHeaderBytes + 16 + 4);
  auto entry = DecodeEntry(raw);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->info.created_ms, info.created_ms);
  EXPECT_EQ(entry->info.expires_ms, info.expires_ms);
  EXPECT_EQ(entry->info.version, info.version);
  EXPECT_EQ(entry->info.flags, 0xdeadbeefu);
  EXPECT_EQ(entry->content_type, "application/json");
  EXPECT_EQ(entry->value, std::string("v\0al", 4));
  auto expiry = DecodeExpiry(raw);
  ASSERT_TRUE(expiry.ok());
  EXPECT_EQ(*expiry, -5);
}

TEST(EntryCodecTest, AGracePeriodIsFormatThreeAndEveryOtherEntryStaysFormatTwo) {
  EntryInfo info{.created_ms = 1, .expires_ms = 70'000, .version = 9, .flags = 7};
  EXPECT_EQ(EncodeEntry(info, "t/x", "v")[0], static_cast<char>(kEntryFormat));
  info.grace_seconds = 0x01020304;
  const std::string raw = EncodeEntry(info, "t/x", "val");
  ASSERT_EQ(raw[0], static_cast<char>(kEntryFormatGrace));
  EXPECT_EQ(raw.size(), kEntryHeaderBytesGrace + 3 + 3);
  auto entry = DecodeEntry(raw);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->info.grace_seconds, 0x01020304u);
  EXPECT_EQ(entry->info.flags, 7u);
  EXPECT_EQ(entry->info.expires_ms, 70'000);
  EXPECT_EQ(entry->content_type, "t/x");
  EXPECT_EQ(entry->value, "val");
  auto expiry = DecodeExpiry(raw);
  ASSERT_TRUE(expiry.ok()) << "the compaction filter reads format 3's expiry at the same offset";
  EXPECT_EQ(*expiry, 70'000);
  EXPECT_FALSE(DecodeEntry(raw.substr(0, kEntryHeaderBytesGrace - 1)).ok());
}

TEST(EntryCodecTest, DecodesFormatOneWithFlagsZero) {
  const std::string raw = FormatOneEntry();
  ASSERT_EQ(raw.size(), kEntryHeaderBytesV1 + 10 + 5);
  auto entry = DecodeEntry(raw);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->info.expires_ms, 10000);
  EXPECT_EQ(entry->info.created_ms, 1000);
  EXPECT_EQ(entry->info.version, 42u);
  EXPECT_EQ(entry->info.flags, 0u);
  EXPECT_EQ(entry->content_type, "text/plain");
  EXPECT_EQ(entry->value, "hello");
  auto expiry = DecodeExpiry(raw);
  ASSERT_TRUE(expiry.ok());
  EXPECT_EQ(*expiry, 10000);
  // Rewritten, it becomes format 2 and keeps every field.
  const std::string again = EncodeEntry(entry->info, entry->content_type, entry->value);
  EXPECT_EQ(again[0], '\x02');
  EXPECT_EQ(again.size(), raw.size() + 4);
  auto reread = DecodeEntry(again);
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(reread->value, "hello");
  EXPECT_EQ(reread->info.version, 42u);
}

TEST(EntryCodecTest, RefusesGarbageWithoutCrashing) {
  EXPECT_EQ(DecodeEntry("").code(), Code::kInternal);
  EXPECT_EQ(DecodeExpiry(std::string(kEntryHeaderBytes - 1, '\x02')).code(), Code::kInternal);
  EXPECT_EQ(DecodeExpiry(std::string(kEntryHeaderBytesV1 - 1, '\x01')).code(), Code::kInternal);
  std::string raw = EncodeEntry({}, "text/plain", "x");
  raw[0] = 9;
  EXPECT_NE(DecodeEntry(raw).status().message().find("unknown format 9"), std::string::npos);
  raw = EncodeEntry({}, "text/plain", "");
  raw.resize(raw.size() - 1);  // content type now runs past the end
  EXPECT_EQ(DecodeEntry(raw).code(), Code::kInternal);
  // A format-1 entry cut inside its (shorter) header is refused too.
  EXPECT_EQ(DecodeEntry(FormatOneEntry().substr(0, kEntryHeaderBytesV1 - 1)).code(),
            Code::kInternal);
  // Every prefix of a valid entry either decodes or is refused.
  raw = EncodeEntry({.created_ms = 1, .expires_ms = 2, .version = 3}, "ct", "value");
  for (size_t n = 0; n <= raw.size(); ++n) {
    auto entry = DecodeEntry(raw.substr(0, n));
    EXPECT_EQ(entry.ok(), n >= kEntryHeaderBytes + 2) << n;
  }
}

TEST(EntryCodecTest, ExpiryBoundary) {
  EXPECT_FALSE(IsExpired(0, INT64_MAX)) << "0 never expires";
  EXPECT_FALSE(IsExpired(1000, 999));
  EXPECT_TRUE(IsExpired(1000, 1000));
}

}  // namespace
}  // namespace apicached
