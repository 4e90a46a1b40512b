#include "hotcache/hot_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

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

// One shard, exact LRU (every hit moves its entry).
HotCacheOptions OneShard(uint64_t capacity) {
  HotCacheOptions o;
  o.shards = 1;
  o.capacity_bytes = capacity;
  o.lru_bump_interval_ms = 0;
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
  cache.Erase("tax", "key-1");
  Entry erased = MakeEntry(std::string(1, 'v'));
  erased.content_type = "text/plain; charset=utf-8";
  expected -= HotCache::Charge("tax", "key-1", erased);
  EXPECT_EQ(cache.stats().bytes, expected);
  cache.Clear();
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

// The charge is what the allocator takes for the entry's one block (glibc: the size plus an
// 8-byte header, rounded up to 16, at least 32) plus one bucket pointer.
TEST(HotCacheTest, ChargeIsTheAllocatorsChunkPlusABucket) {
  for (size_t n = 0; n < 700; ++n) {
    const Entry e = MakeEntry(std::string(n, 'v'));
    const uint64_t payload = 2 + 3 + n + e.content_type.size();  // "ns", "key", value, type
    const uint64_t charge = HotCache::Charge("ns", "key", e);
    SCOPED_TRACE(n);
    EXPECT_EQ((charge - sizeof(void*)) % 16, 0u);
    EXPECT_GE(charge, HotCache::kEntryHeaderBytes + payload + 8 + sizeof(void*));
    EXPECT_LT(charge, HotCache::kEntryHeaderBytes + payload + 8 + 16 + sizeof(void*));
  }
  // A 500-byte value with a short key: the header and the allocator's rounding, not a node,
  // a map node and three more heap blocks on top of the bytes.
  EXPECT_LE(HotCache::Charge("default", "key:12345", MakeEntry(std::string(500, 'v'))) -
                (7 + 9 + 500 + 16),
            HotCache::kEntryHeaderBytes + 8 + 16 + sizeof(void*));
  EXPECT_LE(HotCache::kEntryHeaderBytes, 128u);
}

// A big entry evicts as many of the least recent entries as it needs, oldest first, and no more.
TEST(HotCacheTest, EvictsByBytesOldestFirst) {
  FakeClock clock;
  const uint64_t small = HotCache::Charge("ns", "s0", MakeEntry(std::string(100, 'x')));
  HotCache cache(OneShard(6 * small), clock);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(cache.Put("ns", "s" + std::to_string(i), MakeEntry(std::string(100, 'x'))));
  }
  ASSERT_TRUE(cache.Lookup("ns", "s0").has_value());  // s1 is now the least recent
  // Needs the room of three small entries (more than two, less than three).
  const Entry big = MakeEntry(std::string(480, 'y'));
  ASSERT_GT(HotCache::Charge("ns", "big", big), 2 * small);
  ASSERT_LE(HotCache::Charge("ns", "big", big), 3 * small);
  ASSERT_TRUE(cache.Put("ns", "big", big));
  EXPECT_EQ(cache.stats().evictions, 3u);
  for (const char* gone : {"s1", "s2", "s3"}) EXPECT_FALSE(cache.Lookup("ns", gone)) << gone;
  for (const char* kept : {"s0", "s4", "s5", "big"}) EXPECT_TRUE(cache.Lookup("ns", kept)) << kept;
  EXPECT_LE(cache.stats().bytes, 6 * small);
}

// A hit moves its entry at most once per lru_bump_interval_ms (memcached's rule): within the
// interval a hit does not protect the entry from eviction; after it, it does.
TEST(HotCacheTest, HitsMoveAnEntryAtMostOncePerInterval) {
  FakeClock clock;
  const uint64_t one = HotCache::Charge("ns", "k0", MakeEntry("v"));
  HotCacheOptions o = OneShard(3 * one);
  o.lru_bump_interval_ms = 1000;
  HotCache cache(o, clock);
  ASSERT_TRUE(cache.Put("ns", "k0", MakeEntry("v")));
  ASSERT_TRUE(cache.Put("ns", "k1", MakeEntry("v")));
  ASSERT_TRUE(cache.Put("ns", "k2", MakeEntry("v")));
  clock.Advance(std::chrono::milliseconds(999));
  ASSERT_TRUE(cache.Lookup("ns", "k0").has_value());  // too soon: k0 stays the least recent
  ASSERT_TRUE(cache.Put("ns", "k3", MakeEntry("v")));
  EXPECT_FALSE(cache.Lookup("ns", "k0").has_value());
  clock.Advance(std::chrono::milliseconds(1));        // k1 was inserted 1000 ms ago
  ASSERT_TRUE(cache.Lookup("ns", "k1").has_value());  // moved: k2 is now the least recent
  ASSERT_TRUE(cache.Put("ns", "k4", MakeEntry("v")));
  EXPECT_FALSE(cache.Lookup("ns", "k2").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k1").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k3").has_value());
  EXPECT_TRUE(cache.Lookup("ns", "k4").has_value());
}

// A shared hit keeps its bytes while the cache drops the entry: evicted, replaced, erased,
// invalidated, cleared (a reply being written from them stays whole).
TEST(HotCacheTest, SharedHitsSurviveTheEntrysRemoval) {
  FakeClock clock;
  const Entry first = MakeEntry(std::string(300, 'a'), 0, 1);
  HotCache cache(
      OneShard(HotCache::Charge("ns", "evicted", first) + HotCache::Charge("ns", "x", first)),
      clock);
  std::vector<SharedEntry> held;
  auto hold = [&](std::string_view key) {
    auto hit = cache.LookupShared("ns", key);
    ASSERT_TRUE(hit.has_value());
    held.push_back(std::move(*hit));
  };
  ASSERT_TRUE(cache.Put("ns", "evicted", first));
  hold("evicted");
  ASSERT_TRUE(cache.Put("ns", "x", MakeEntry(std::string(300, 'b'))));
  ASSERT_TRUE(cache.Put("ns", "y", MakeEntry(std::string(300, 'c'))));  // evicts "evicted"
  EXPECT_FALSE(cache.Lookup("ns", "evicted").has_value());
  hold("y");
  ASSERT_TRUE(cache.Put("ns", "y", MakeEntry(std::string(300, 'z'), 0, 2)));  // replaced
  hold("x");
  cache.Erase("ns", "x");
  ASSERT_TRUE(cache.Put("ns", "n", MakeEntry(std::string(300, 'd'))));
  hold("n");
  cache.InvalidateNamespace("ns");
  cache.Clear();
  EXPECT_EQ(cache.stats().entries, 0u);
  ASSERT_EQ(held.size(), 4u);
  const char fill[] = {'a', 'c', 'b', 'd'};
  for (size_t i = 0; i < held.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(held[i].value, std::string(300, fill[i]));
    EXPECT_EQ(held[i].content_type, "application/json");
    SharedEntry copy = held[i];  // copies share the block
    held[i] = SharedEntry{};
    EXPECT_EQ(copy.value, std::string(300, fill[i]));
  }
}

// Readers hold and read shared hits while writers replace, erase and evict the same keys: every
// value read is whole and one that was written (run it under ASan/TSan for the lifetimes).
TEST(HotCacheTest, SharedHitsStayWholeUnderChurn) {
  FakeClock clock;
  HotCacheOptions o;
  o.shards = 2;
  o.capacity_bytes = 8 * HotCache::Charge("ns", "k0", MakeEntry(std::string(200, 'v')));
  o.lru_bump_interval_ms = 0;
  HotCache cache(o, clock);
  constexpr int kKeys = 16;
#ifdef APICACHED_HOT_TEST_SMALL
  constexpr int kOps = 3000;
#else
  constexpr int kOps = 20000;
#endif
  std::atomic<uint64_t> torn{0};
  std::atomic<uint64_t> hits{0};
  std::atomic<int> writers_left{2};
  // Every thread starts together: on a loaded machine a reader could otherwise run all its
  // lookups before a writer had put a single key (seen in CI: hits == 0).
  std::latch start(4);
  auto writer = [&](int id) {
    start.arrive_and_wait();
    for (int i = 0; i < kOps; ++i) {
      const std::string key = "k" + std::to_string((i * 7 + id) % kKeys);
      if (i % 5 == 0) {
        cache.Erase("ns", key);
      } else {
        // The value is one letter repeated: a torn or freed value shows mixed bytes.
        (void)cache.Put("ns", key, MakeEntry(std::string(200, static_cast<char>('a' + i % 26))));
      }
    }
    writers_left.fetch_sub(1);
  };
  // A reader reads at least kOps times and until both writers are done, so it reads during
  // the churn however the threads are scheduled; its reads after the writers' end meet the
  // keys their last puts left (the last writer's last put has nothing left to void it).
  auto reader = [&](int id) {
    start.arrive_and_wait();
    std::vector<SharedEntry> kept;
    int reads_after_writers = 0;  // kKeys consecutive reads cover every key (3 is coprime)
    for (int i = 0; i < kOps || reads_after_writers < kKeys; ++i) {
      if (writers_left.load() == 0) ++reads_after_writers;
      auto hit = cache.LookupShared("ns", "k" + std::to_string((i * 3 + id) % kKeys));
      if (!hit) continue;
      hits.fetch_add(1);
      kept.push_back(std::move(*hit));
      if (kept.size() < 8) continue;
      for (const SharedEntry& e : kept) {
        if (e.value.size() != 200 ||
            e.value.find_first_not_of(e.value[0]) != std::string_view::npos) {
          torn.fetch_add(1);
        }
      }
      kept.clear();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back(writer, i);
  for (int i = 0; i < 2; ++i) threads.emplace_back(reader, i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_GT(hits.load(), 0u);
  EXPECT_LE(cache.stats().bytes, o.capacity_bytes);
}

// The batch lookup answers, counts and ages entries exactly as one LookupShared per key, in
// the keys' order, over every shard, with repeated, missing, expired and cleared keys.
TEST(HotCacheTest, LookupSharedManyIsOneLookupPerKey) {
  FakeClock clock;
  HotCache cache(HotCacheOptions{}, clock);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cache.Put("ns", "k" + std::to_string(i), MakeEntry("v" + std::to_string(i))));
  }
  ASSERT_TRUE(cache.Put("ns", "soon", MakeEntry("x", clock.NowMillis() + 10)));
  ASSERT_TRUE(cache.Put("gone", "k1", MakeEntry("g")));
  cache.InvalidateNamespace("gone");
  clock.Advance(std::chrono::milliseconds(10));  // "soon" has expired
  std::vector<std::string> names = {"k5", "missing", "k199", "soon", "k5"};
  for (int i = 0; i < 100; ++i) names.push_back("k" + std::to_string(i * 2));
  const std::vector<std::string_view> keys(names.begin(), names.end());
  std::vector<std::optional<SharedEntry>> out(keys.size());
  const HotCacheStats before = cache.stats();
  cache.LookupSharedMany("ns", keys, out);
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(names[i]);
    if (names[i] == "missing" || names[i] == "soon") {
      EXPECT_FALSE(out[i].has_value());
    } else {
      ASSERT_TRUE(out[i].has_value());
      EXPECT_EQ(out[i]->value, "v" + names[i].substr(1));
    }
  }
  const HotCacheStats after = cache.stats();
  EXPECT_EQ(after.hits - before.hits, keys.size() - 2);
  EXPECT_EQ(after.misses - before.misses, 2u);
  EXPECT_EQ(after.entries, before.entries - 1);  // the expired entry was dropped
  std::vector<std::optional<SharedEntry>> cleared(1);
  const std::string_view k1[] = {"k1"};
  cache.LookupSharedMany("gone", k1, cleared);
  EXPECT_FALSE(cleared[0].has_value());
  cache.LookupSharedMany("ns", {}, std::span<std::optional<SharedEntry>>());  // nothing to do
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

// A write made alone learns what was cached, and caches what it wrote; any other write of the key
// (or of its namespace) that began or ended meanwhile, or was running when it began, voids both.
TEST(HotCacheTest, AnOwnWriteKnowsAndCachesOnlyWhenAlone) {
  FakeClock clock;
  HotCache cache(OneShard(1 << 20), clock);
  ASSERT_TRUE(cache.Put("ns", "k", MakeEntry("v1", 0, 7)));
  auto alone = cache.BeginOwnKeyWrite("ns", "k");
  ASSERT_TRUE(alone.known.has_value());
  EXPECT_EQ(alone.known->version, 7u);
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value()) << "not erased as the write began";
  EXPECT_TRUE(cache.Alone(alone, "ns", "k"));
  const Entry v2 = MakeEntry("v2", 0, 8);
  cache.EndOwnKeyWrite(alone, "ns", "k", &v2);
  auto hit = cache.Lookup("ns", "k");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->info.version, 8u);

  // Another write begins (and ends) during it.
  auto mine = cache.BeginOwnKeyWrite("ns", "k");
  ASSERT_TRUE(mine.known.has_value());
  cache.BeginKeyWrite("ns", "k");
  EXPECT_FALSE(cache.Alone(mine, "ns", "k"));
  cache.EndKeyWrite("ns", "k");
  EXPECT_FALSE(cache.Alone(mine, "ns", "k"));
  const Entry v3 = MakeEntry("v3", 0, 9);
  cache.EndOwnKeyWrite(mine, "ns", "k", &v3);
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value());

  // Another write was running when it began: nothing known.
  ASSERT_TRUE(cache.Put("ns", "k", MakeEntry("v4", 0, 10)));
  cache.BeginKeyWrite("ns", "k");
  auto late = cache.BeginOwnKeyWrite("ns", "k");
  EXPECT_FALSE(late.known.has_value());
  cache.EndOwnKeyWrite(late, "ns", "k", &v3);
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value());
  cache.EndKeyWrite("ns", "k");

  // A namespace write during it; an expired entry is not known; a failed write caches nothing.
  ASSERT_TRUE(cache.Put("ns", "k", MakeEntry("v5", 0, 11)));
  auto cleared = cache.BeginOwnKeyWrite("ns", "k");
  cache.InvalidateNamespace("ns");
  EXPECT_FALSE(cache.Alone(cleared, "ns", "k"));
  cache.EndOwnKeyWrite(cleared, "ns", "k", &v3);
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value());
  ASSERT_TRUE(cache.Put("ns", "k", MakeEntry("v6", clock.NowMillis() + 1000, 12)));
  clock.Advance(std::chrono::seconds(1));
  auto expired = cache.BeginOwnKeyWrite("ns", "k");
  EXPECT_FALSE(expired.known.has_value());
  cache.EndOwnKeyWrite(expired, "ns", "k", nullptr);
  EXPECT_FALSE(cache.Lookup("ns", "k").has_value());
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
