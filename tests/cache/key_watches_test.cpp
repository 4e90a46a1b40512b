// KeyWatches alone, then which CacheService writes a watch sees (Redis's WATCH rules: a write
// that stored the key or changed its expiry counts, also one undone since; one that changed
// nothing does not).
#include "cache/key_watches.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;
using cache::KeyWatches;

TEST(KeyWatchesTest, SeesAChangeOfItsKeyOnly) {
  KeyWatches table;
  KeyWatches::Watch w = table.Start("s", "k");
  EXPECT_FALSE(w.changed());
  table.Changed("s", "other");
  table.Changed("t", "k");
  EXPECT_FALSE(w.changed());
  table.Changed("s", "k");
  EXPECT_TRUE(w.changed());
  // A watch started after the change starts clean.
  KeyWatches::Watch later = table.Start("s", "k");
  EXPECT_FALSE(later.changed());
  EXPECT_TRUE(w.changed());
}

TEST(KeyWatchesTest, NamespaceAndKeyDoNotRunTogether) {
  KeyWatches table;
  KeyWatches::Watch w = table.Start("ab", "c");
  table.Changed("a", "bc");
  table.Changed("abc", "");
  EXPECT_FALSE(w.changed());
}

TEST(KeyWatchesTest, TheSlotGoesWithTheLastHolder) {
  KeyWatches table;
  EXPECT_EQ(table.watched_keys(), 0u);
  {
    KeyWatches::Watch a = table.Start("s", "k");
    KeyWatches::Watch b = table.Start("s", "k");
    KeyWatches::Watch c = table.Start("s", "j");
    EXPECT_EQ(table.watched_keys(), 2u);
    KeyWatches::Watch copy = a;
    KeyWatches::Watch moved = std::move(b);
    EXPECT_FALSE(b.changed());  // NOLINT(bugprone-use-after-move): moved-from is empty
    table.Changed("s", "k");
    EXPECT_TRUE(a.changed());
    EXPECT_TRUE(copy.changed());
    EXPECT_TRUE(moved.changed());
    EXPECT_FALSE(c.changed());
    a = KeyWatches::Watch();
    EXPECT_EQ(table.watched_keys(), 2u);  // copy and moved still hold s/k
  }
  EXPECT_EQ(table.watched_keys(), 0u);
  // Unwatched keys cost nothing and leave nothing behind.
  table.Changed("s", "k");
  EXPECT_EQ(table.watched_keys(), 0u);
  KeyWatches::Watch fresh = table.Start("s", "k");
  EXPECT_FALSE(fresh.changed());
}

TEST(KeyWatchesTest, WatchersAndWritersAtOnce) {
  // Under the sanitizer build: no race on a slot that one thread frees while another reports
  // a write to it. A watch held across a reported write always sees it.
  KeyWatches table;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; !stop.load(); ++i) table.Changed("s", std::to_string((i + t) % 4));
    });
  }
  std::vector<std::thread> watchers;
  std::atomic<int> missed{0};
  for (int t = 0; t < 4; ++t) {
    watchers.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((i + t) % 4);
        KeyWatches::Watch w = table.Start("s", key);
        KeyWatches::Watch copy = w;
        table.Changed("s", key);
        if (!copy.changed() || !w.changed()) missed.fetch_add(1);
      }
    });
  }
  for (auto& t : watchers) t.join();
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(missed.load(), 0);
  EXPECT_EQ(table.watched_keys(), 0u);
}

using CacheWatchTest = CacheServiceTest;

TEST_F(CacheWatchTest, AKeySetAndDeletedAgainIsChanged) {
  KeyWatches::Watch w = cache().WatchKey("s", "k");
  ASSERT_TRUE(cache().Set(kRedis, "s", "k", "v", 0, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Delete(kRedis, "s", "k").ok());
  EXPECT_EQ(cache().Get(kRedis, "s", "k").code(), Code::kNotFound);  // the state is as it was
  EXPECT_TRUE(w.changed());
}

TEST_F(CacheWatchTest, EveryFrontsStoresCount) {
  auto watch = [&] { return cache().WatchKey("s", "k"); };
  {
    auto w = watch();
    ASSERT_TRUE(cache().Add(kMc, "s", "k", "1", 0, Expiry::Never()).ok());
    EXPECT_TRUE(w.changed()) << "add";
  }
  {
    auto w = watch();
    ASSERT_TRUE(cache().Append(kMc, "s", "k", "2").ok());
    EXPECT_TRUE(w.changed()) << "append";
  }
  {
    auto w = watch();
    ASSERT_TRUE(cache().Arith(kMc, "s", "k", cache::ArithRequest()).ok());
    EXPECT_TRUE(w.changed()) << "incr";
  }
  {
    auto w = watch();
    ASSERT_TRUE(cache().Touch(kMc, "s", "k", Expiry::After(60)).ok());
    EXPECT_TRUE(w.changed()) << "touch";
  }
  {
    auto w = watch();
    ASSERT_TRUE(cache().GetAndTouch(kMc, "s", "k", Expiry::After(90)).ok());
    EXPECT_TRUE(w.changed()) << "gat";
  }
  {
    auto w = watch();
    ASSERT_TRUE(cache().IncrSigned(kHttp, "s", "k", 5, Expiry::Never()).ok());
    EXPECT_TRUE(w.changed()) << "IncrSigned";
  }
  {
    auto w = watch();
    std::vector<PutItem> items(1);
    items[0].key = "k";
    items[0].value = "m";
    ASSERT_TRUE(cache().MultiSet(kRedis, "s", items).ok());
    EXPECT_TRUE(w.changed()) << "MultiSet";
  }
  {
    auto w = watch();
    cache::AtomicWrite put;
    put.ns = "s";
    put.key = "k";
    put.data = "a";
    ASSERT_TRUE(cache().WriteAtomically(kRedis, {put}).ok());
    EXPECT_TRUE(w.changed()) << "WriteAtomically";
  }
  {
    auto w = watch();
    auto r = cache().Mutate(kRedis, "s", "k",
                            [](const Entry*) -> Result<Mutation> { return Mutation::Touch(0); });
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(w.changed()) << "Mutate touching a live key";
  }
  {
    // A Delete counts also of an absent key (Redis's SET with a past deadline).
    ASSERT_TRUE(cache().Delete(kRedis, "s", "k").ok());
    auto w = watch();
    auto r = cache().Mutate(kRedis, "s", "k",
                            [](const Entry*) -> Result<Mutation> { return Mutation::Delete(); });
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(w.changed()) << "Mutate deleting";
  }
}

TEST_F(CacheWatchTest, WritesThatChangeNothingDoNotCount) {
  ASSERT_TRUE(cache().Set(kRedis, "s", "live", "v", 0, Expiry::Never()).ok());
  KeyWatches::Watch absent = cache().WatchKey("s", "k");
  KeyWatches::Watch live = cache().WatchKey("s", "live");
  EXPECT_EQ(cache().Delete(kRedis, "s", "k").code(), Code::kNotFound);
  EXPECT_EQ(cache().Replace(kMc, "s", "k", "r", 0, Expiry::Never()).code(), Code::kNotFound);
  EXPECT_EQ(cache().Add(kMc, "s", "live", "a", 0, Expiry::Never()).code(), Code::kAlreadyExists);
  EXPECT_EQ(cache().Touch(kMc, "s", "k", Expiry::After(5)).code(), Code::kNotFound);
  EXPECT_EQ(cache().Arith(kMc, "s", "k", cache::ArithRequest{}).code(), Code::kNotFound);
  // A read-modify-write that keeps, or touches what is not there.
  for (Mutation m : {Mutation::Keep(), Mutation::Touch(5)}) {
    ASSERT_TRUE(
        cache().Mutate(kRedis, "s", "k", [&](const Entry*) -> Result<Mutation> { return m; }).ok());
  }
  ASSERT_TRUE(cache()
                  .Mutate(kRedis, "s", "live",
                          [](const Entry*) -> Result<Mutation> { return Mutation::Keep(); })
                  .ok());
  // A batch's delete of an absent key.
  cache::AtomicWrite del;
  del.remove = true;
  del.ns = "s";
  del.key = "k";
  ASSERT_TRUE(cache().WriteAtomically(kRedis, {del}).ok());
  // Reads.
  EXPECT_TRUE(cache().Get(kRedis, "s", "live").ok());
  EXPECT_FALSE(absent.changed());
  EXPECT_FALSE(live.changed());
}

TEST_F(CacheWatchTest, AWriteThatExpiresAtOnceCounts) {
  // As Redis's SET ... PXAT <past> of an absent key: it stores, then the key is expired.
  KeyWatches::Watch w = cache().WatchKey("s", "k");
  ASSERT_TRUE(cache().Set(kMc, "s", "k", "x", 0, Expiry::Expired()).ok());
  EXPECT_EQ(cache().Get(kRedis, "s", "k").code(), Code::kNotFound);
  EXPECT_TRUE(w.changed());
}

TEST_F(CacheWatchTest, AnExpiredKeyIsAbsent) {
  ASSERT_TRUE(cache().Set(kRedis, "s", "k", "v", 0, Expiry::After(1)).ok());
  clock_.Advance(std::chrono::seconds(2));
  KeyWatches::Watch w = cache().WatchKey("s", "k");
  // Its deletion changes nothing (Redis: "already expired key is deleted, so logically no
  // change"); a touch finds nothing; a new store counts.
  EXPECT_EQ(cache().Touch(kMc, "s", "k", Expiry::After(5)).code(), Code::kNotFound);
  (void)cache().Delete(kRedis, "s", "k");
  EXPECT_FALSE(w.changed());
  ASSERT_TRUE(cache().Set(kRedis, "s", "k", "w", 0, Expiry::Never()).ok());
  EXPECT_TRUE(w.changed());
}

}  // namespace
}  // namespace apicached::testing
