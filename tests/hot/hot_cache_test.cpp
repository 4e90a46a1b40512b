#include "hotcache/hot_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace apicached {
namespace {

Entry MakeEntry(std::string value, int64_t expires_ms = 0, uint64_t version = 1) {
  Entry e;
  e.value = std::move(value);
  e.content_type = "application/json";
  e.info.version = version;
  e.info.expires_ms = expires_ms;
  return e;
}

HotCacheOptions OneShard(uint64_t capacity) {
  HotCacheOptions o;
  o.shards = 1;
  o.capacity_bytes = capacity;
  return o;
}

TEST(HotCacheTest, HitAndMiss) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  EXPECT_FALSE(cache.Lookup("ns", "a").has_value());
  ASSERT_TRUE(cache.Put("ns", "a", MakeEntry("1", 0, 7)));
  auto hit = cache.Lookup("ns", "a");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->value, "1");
  EXPECT_EQ(hit->content_type, "application/json");
  EXPECT_EQ(hit->info.version, 7u);
  // Same key in another namespace is another entry.
  EXPECT_FALSE(cache.Lookup("other", "a").has_value());
  // A key containing a NUL does not collide with a namespace boundary.
  EXPECT_FALSE(cache.Lookup("n", std::string("s\0a", 3)).has_value());
  HotCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(HotCacheTest, ReplaceKeepsOneEntry) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  ASSERT_TRUE(cache.Put("ns", "a", MakeEntry("old")));
  ASSERT_TRUE(cache.Put("ns", "a", MakeEntry("newer")));
  EXPECT_EQ(cache.Lookup("ns", "a")->value, "newer");
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, HotCache::Charge("ns", "a", MakeEntry("newer")));
}

TEST(HotCacheTest, EvictsLeastRecent) {
  FakeClock clock;
  const uint64_t one = HotCache::Charge("ns", "k0", MakeEntry(std::string(100, 'x')));
  HotCache cache(OneShard(3 * one), clock);
  ASSERT_TRUE(cache.Put("ns", "k0", MakeEntry(std::string(100, 'x'))));
  ASSERT_TRUE(cache.Put("ns", "k1", MakeEntry(std::string(100, 'x'))));
  ASSERT_TRUE(cache.Put("ns", "k2", MakeEntry(std::string(100, 'x'))));
  ASSERT_TRUE(cache.Lookup("ns", "k0").has_value());  // k1 is now the least recent
  ASSERT_TRUE(cache.Put("ns", "k3", MakeEntry(std::string(100, 'x'))));
  EXPECT_FALSE(cache.Lookup("ns", "k1").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k0").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k2").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k3").has_value());
  ASSERT_TRUE(cache.Put("ns", "k4", MakeEntry(std::string(100, 'x'))));
  EXPECT_FALSE(cache.Lookup("ns", "k0").has_value());  // least recent after the lookups above
  EXPECT_EQ(cache.stats().evictions, 2u);
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_LE(cache.stats().bytes, 3 * one);
}

TEST(HotCacheTest, ByteAccountingIsExact) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  uint64_t expected = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "key-" + std::to_string(i);
    Entry e = MakeEntry(std::string(static_cast<size_t>(i % 700), 'v'));
    e.content_type = i % 2 == 0 ? "" : "text/plain; charset=utf-8";
    expected += HotCache::Charge("tax", key, e);
    ASSERT_TRUE(cache.Put("tax", key, e));
  }
  EXPECT_EQ(cache.stats().bytes, expected);
  EXPECT_EQ(cache.stats().entries, 1000u);
  // Every charge counts the strings plus the overhead, which covers at least the node.
  EXPECT_GT(HotCache::kEntryOverhead, sizeof(Entry));
  EXPECT_EQ(HotCache::Charge("ns", "key", MakeEntry("value")),
            2 + 1 + 3 + 5 + std::string("application/json").size() + HotCache::kEntryOverhead);
  cache.Erase("tax", "key-1");
  Entry erased = MakeEntry(std::string(1, 'v'));
  erased.content_type = "text/plain; charset=utf-8";
  expected -= HotCache::Charge("tax", "key-1", erased);
  EXPECT_EQ(cache.stats().bytes, expected);
  cache.Clear();
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(HotCacheTest, BytesNeverExceedCapacity) {
  FakeClock clock;
  HotCacheOptions o;
  o.capacity_bytes = 256 << 10;
  o.shards = 4;
  HotCache cache(o, clock);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(cache.Put("ns", std::to_string(i), MakeEntry(std::string(300, 'v'))));
    ASSERT_LE(cache.stats().bytes, o.capacity_bytes);
  }
  EXPECT_GT(cache.stats().evictions, 0u);
}

TEST(HotCacheTest, OversizedValueNotAdmitted) {
  FakeClock clock;
  HotCacheOptions o;
  o.max_entry_bytes = 1000;
  HotCache cache(o, clock);
  ASSERT_TRUE(cache.Put("ns", "small", MakeEntry(std::string(1000, 'v'))));
  EXPECT_FALSE(cache.Put("ns", "big", MakeEntry(std::string(1001, 'v'))));
  EXPECT_FALSE(cache.Lookup("ns", "big").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "small").has_value());
  EXPECT_EQ(cache.stats().evictions, 0u);
  // A value bigger than a shard's whole budget is refused instead of flushing the shard.
  HotCache tiny(OneShard(2000), clock);
  ASSERT_TRUE(tiny.Put("ns", "a", MakeEntry("x")));
  EXPECT_FALSE(tiny.Put("ns", "b", MakeEntry(std::string(1990, 'v'))));
  EXPECT_TRUE(tiny.Lookup("ns", "a").has_value());
}

TEST(HotCacheTest, ExpiryThroughTheClock) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  const int64_t expires = clock.NowMillis() + 10'000;
  ASSERT_TRUE(cache.Put("ns", "a", MakeEntry("1", expires)));
  ASSERT_TRUE(cache.Put("ns", "forever", MakeEntry("2", 0)));
  clock.Advance(std::chrono::milliseconds(9'999));
  EXPECT_TRUE(cache.Lookup("ns", "a").has_value());
  clock.Advance(std::chrono::milliseconds(1));  // now == expires_ms: expired
  EXPECT_FALSE(cache.Lookup("ns", "a").has_value());
  EXPECT_EQ(cache.stats().entries, 1u);  // erased on lookup
  EXPECT_TRUE(cache.Lookup("ns", "forever").has_value());
  // An entry that is already expired is not admitted.
  EXPECT_FALSE(cache.Put("ns", "late", MakeEntry("3", clock.NowMillis())));
}

TEST(HotCacheTest, NamespaceInvalidation) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(cache.Put("a", std::to_string(i), MakeEntry("x")));
    ASSERT_TRUE(cache.Put("b", std::to_string(i), MakeEntry("y")));
  }
  cache.InvalidateNamespace("a");
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(cache.Lookup("a", std::to_string(i)).has_value());
    EXPECT_TRUE(cache.Lookup("b", std::to_string(i)).has_value());
  }
  EXPECT_EQ(cache.stats().entries, 100u);  // the dead ones were dropped by the lookups
  // The namespace caches again after the clear.
  ASSERT_TRUE(cache.Put("a", "1", MakeEntry("z")));
  EXPECT_EQ(cache.Lookup("a", "1")->value, "z");
  // Clearing a namespace never seen is harmless.
  cache.InvalidateNamespace("never");
}

TEST(HotCacheTest, PrefixInvalidation) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  ASSERT_TRUE(cache.Put("ns", "ruc:1", MakeEntry("1")));
  ASSERT_TRUE(cache.Put("ns", "ruc:2", MakeEntry("2")));
  ASSERT_TRUE(cache.Put("ns", "dni:1", MakeEntry("3")));
  ASSERT_TRUE(cache.Put("other", "ruc:1", MakeEntry("4")));
  cache.InvalidatePrefix("ns", "ruc:");
  EXPECT_FALSE(cache.Lookup("ns", "ruc:1").has_value());
  EXPECT_FALSE(cache.Lookup("ns", "ruc:2").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "dni:1").has_value());
  EXPECT_TRUE(cache.Lookup("other", "ruc:1").has_value());
  EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(HotCacheTest, FillRefusedAfterConcurrentWrite) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  // A reader takes its ticket, a writer writes the key, the reader's old value is refused.
  auto ticket = cache.BeginFill("ns", "k");
  cache.BeginKeyWrite("ns", "k");
  EXPECT_FALSE(cache.Insert(ticket, "ns", "k", MakeEntry("old")));
  // Still refused while the write is running, even with a fresh ticket.
  auto during = cache.BeginFill("ns", "k");
  EXPECT_FALSE(cache.Insert(during, "ns", "k", MakeEntry("old")));
  cache.EndKeyWrite("ns", "k");
  EXPECT_FALSE(cache.Insert(during, "ns", "k", MakeEntry("old")));
  auto after = cache.BeginFill("ns", "k");
  EXPECT_TRUE(cache.Insert(after, "ns", "k", MakeEntry("new")));

  // The same for namespace-wide writes.
  auto before_clear = cache.BeginFill("ns", "j");
  cache.BeginNamespaceWrite("ns", "");
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value());
  auto during_clear = cache.BeginFill("ns", "j");
  cache.EndNamespaceWrite("ns");
  EXPECT_FALSE(cache.Insert(before_clear, "ns", "j", MakeEntry("old")));
  EXPECT_FALSE(cache.Insert(during_clear, "ns", "j", MakeEntry("old")));
  auto before_prefix = cache.BeginFill("ns", "j");
  cache.InvalidatePrefix("ns", "zzz");
  EXPECT_FALSE(cache.Insert(before_prefix, "ns", "j", MakeEntry("old")));
  EXPECT_TRUE(cache.Put("ns", "j", MakeEntry("new")));
}

TEST(HotCacheTest, WarmupInsertNeverEvicts) {
  FakeClock clock;
  const uint64_t one = HotCache::Charge("ns", "k0", MakeEntry("v"));
  HotCache cache(OneShard(2 * one), clock);
  ASSERT_TRUE(cache.Put("ns", "k0", MakeEntry("v")));
  ASSERT_TRUE(cache.Insert(cache.BeginFill("ns", "k1"), "ns", "k1", MakeEntry("v"), false));
  EXPECT_FALSE(cache.Insert(cache.BeginFill("ns", "k2"), "ns", "k2", MakeEntry("v"), false));
  EXPECT_EQ(cache.stats().evictions, 0u);
  EXPECT_TRUE(cache.Lookup("ns", "k0").has_value());
}

TEST(HotCacheTest, HotKeysMostRecentFirstAndBounded) {
  FakeClock clock;
  HotCache cache(OneShard(1 << 20), clock);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(cache.Put("ns", "k" + std::to_string(i), MakeEntry("v")));
  ASSERT_TRUE(cache.Lookup("ns", "k3").has_value());
  auto keys = cache.HotKeys(3, 1 << 20);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0].second, "k3");
  EXPECT_EQ(keys[1].second, "k9");
  EXPECT_EQ(keys[2].second, "k8");
  EXPECT_EQ(keys[0].first, "ns");
  // Bounded in bytes: each key is "ns\0kN", 5 bytes.
  EXPECT_EQ(cache.HotKeys(100, 12).size(), 2u);
  // Dead entries are not reported.
  cache.InvalidateNamespace("ns");
  EXPECT_TRUE(cache.HotKeys(100, 1 << 20).empty());
}

}  // namespace
}  // namespace apicached
