// Namespaces as a whole: dropping one (entries, files, slot, restart), dropping while other
// threads read and write it and its neighbours, and reads of other namespaces while many are
// being created.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using StoreNamespaceTest = StoreTest;

size_t CountSstFiles(const std::string& dir) {
  return CountFiles(dir, [](const std::filesystem::path& p) { return p.extension() == ".sst"; });
}

TEST_F(StoreNamespaceTest, DropRemovesTheEntriesAndFreesTheSlot) {
  options_.max_namespaces = 2;
  Reopen();
  ASSERT_TRUE(store().Put("a", "k", "va", "", 0).ok());
  ASSERT_TRUE(store().Put("b", "k", "vb", "", 0).ok());
  EXPECT_EQ(store().Put("c", "k", "vc", "", 0).code(), Code::kResourceExhausted);

  auto dropped = store().DropNamespace("a");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_TRUE(*dropped);
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound);
  EXPECT_EQ(store().GetNamespace("a").code(), Code::kNotFound);
  auto again = store().DropNamespace("a");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);  // nothing left to drop
  EXPECT_EQ(store().DropNamespace("Bad Name").code(), Code::kInvalidArgument);

  ASSERT_TRUE(store().Put("c", "k", "vc", "", 0).ok()) << "the slot is free again";
  auto list = store().ListNamespaces();
  ASSERT_TRUE(list.ok());
  std::vector<std::string> names;
  for (const auto& f : *list) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "c"}));

  // A write after the drop starts a new, empty incarnation.
  EXPECT_EQ(store().Put("a", "k", "new", "", 0).code(), Code::kResourceExhausted);
  ASSERT_TRUE(*store().DropNamespace("c"));
  ASSERT_TRUE(store().Put("a", "other", "new", "", 0).ok());
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound);
}

// A write runs without waiting (for a creation) once its namespace exists, also after a restart;
// reads create nothing, and a dropped or closed store's namespaces are gone.
TEST_F(StoreNamespaceTest, WritesWithoutWaitingOnceTheNamespaceExists) {
  EXPECT_FALSE(store().WritesWithoutWaiting("a"));
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound);
  EXPECT_FALSE(store().WritesWithoutWaiting("a")) << "a read created it";
  ASSERT_TRUE(store().Put("a", "k", "v", "", 0).ok());
  EXPECT_TRUE(store().WritesWithoutWaiting("a"));
  EXPECT_FALSE(store().WritesWithoutWaiting("b"));
  ASSERT_TRUE(store().Put(".internal", "k", "v", "", 0).ok());
  EXPECT_TRUE(store().WritesWithoutWaiting(".internal"));
  Reopen();
  EXPECT_TRUE(store().WritesWithoutWaiting("a"));
  ASSERT_TRUE(*store().DropNamespace("a"));
  EXPECT_FALSE(store().WritesWithoutWaiting("a"));
  ASSERT_TRUE(store().Put("c", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Close().ok());
  EXPECT_FALSE(store().WritesWithoutWaiting("c"));
}

TEST_F(StoreNamespaceTest, ARestartDoesNotBringADroppedNamespaceBack) {
  ASSERT_TRUE(store().Put("gone", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Put("kept", "k", "v", "", 0).ok());
  ASSERT_TRUE(*store().DropNamespace("gone"));  // its write is still only in the WAL
  Reopen();
  EXPECT_EQ(store().Get("gone", "k").code(), Code::kNotFound);
  EXPECT_EQ(store().GetNamespace("gone").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("kept", "k")->value, "v");
}

TEST_F(StoreNamespaceTest, DropDeletesTheNamespaceFiles) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store().Put("big", "k" + std::to_string(i), std::string(1000, 'x'), "", 0).ok());
  }
  ASSERT_TRUE(store().Put("small", "k", "v", "", 0).ok());
  Reopen();  // the close flushed both namespaces into table files
  const std::string dir = options_.data_dir;
  const size_t before = CountSstFiles(dir);
  ASSERT_GE(before, 2u);
  auto figures = store().GetNamespace("big");
  ASSERT_TRUE(figures.ok());
  EXPECT_GT(figures->disk_bytes, 0u);
  ASSERT_TRUE(*store().DropNamespace("big"));
  EXPECT_EQ(CountSstFiles(dir), before - 1);
  EXPECT_EQ(store().Get("small", "k")->value, "v");
}

// Threads read and write the namespace being dropped and re-created, and another one. A write
// that lands in the incarnation left by drop k found the namespace after drop k began, so k is
// at most the number of drops begun when the write returned; the writer records that number
// for its value once the write has returned. A read that begins after drop d returned must
// never see a value whose recorded bound is below d (it would come from an incarnation a
// finished drop removed).
TEST_F(StoreNamespaceTest, DropUnderConcurrentReadsAndWrites) {
  ASSERT_TRUE(store().Put("other", "fixed", "stays", "", 0).ok());
  std::atomic<int> drops_begun{0}, drops_done{0};
  std::atomic<bool> stop{false};
  std::atomic<int> stale_reads{0}, other_failures{0}, errors{0}, checked_reads{0};
  std::mutex bounds_mu;
  std::map<std::string, int> bounds;  // value -> drops begun when its write returned
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string key = "k" + std::to_string(i % 16);
        if ((i + t) % 2 == 0) {
          const std::string value = std::to_string(t) + "-" + std::to_string(i);
          if (!store().Put("x", key, value, "", 0).ok()) ++errors;
          const int bound = drops_begun.load();
          {
            std::lock_guard lock(bounds_mu);
            bounds[value] = bound;
          }
          if (!store().Put("other", key, "o", "", 0).ok()) ++other_failures;
        } else {
          const int done = drops_done.load();
          auto r = store().Get("x", key);
          if (r.ok()) {
            std::lock_guard lock(bounds_mu);
            auto it = bounds.find(r->value);
            if (it != bounds.end()) {  // not yet recorded: its write has just returned
              ++checked_reads;
              if (it->second < done) ++stale_reads;
            }
          } else if (r.code() != Code::kNotFound) {
            ++errors;
          }
          std::vector<std::string> keys{key, "k0"};
          if (!store().MultiGet("x", keys).ok()) ++errors;
          auto o = store().Get("other", "fixed");
          if (!o.ok() || o->value != "stays") ++other_failures;
        }
      }
    });
  }
  for (int d = 1; d <= 20; ++d) {
    drops_begun.store(d);
    auto dropped = store().DropNamespace("x");
    ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
    drops_done.store(d);
    // Let the writers re-create it and a reader check a value of the new incarnation before
    // the next drop (without this, on a loaded machine every read could fall between drops).
    const int checked_before = checked_reads.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (checked_reads.load() == checked_before && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(stale_reads.load(), 0);
  EXPECT_EQ(other_failures.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(checked_reads.load(), 0);
  ASSERT_TRUE(store().DropNamespace("x").ok());
  EXPECT_EQ(store().Scan("x", "", std::nullopt, 10)->entries.size(), 0u);
}

// Creating a namespace rewrites RocksDB's OPTIONS file (every family's options) and holds back
// writes meanwhile; reads of existing namespaces must not wait for it. The bound is generous
// (a loaded CI machine); bench/namespaces.sh measures the real figure.
TEST_F(StoreNamespaceTest, ReadsOfOtherNamespacesDoNotWaitForCreations) {
  options_.max_namespaces = 1000;
  Reopen();
  ASSERT_TRUE(store().Put("hot", "k", "v", "", 0).ok());
  std::atomic<bool> stop{false};
  std::atomic<size_t> reads{0};
  std::vector<double> ms;
  std::thread reader([&] {
    while (!stop.load()) {
      const auto t0 = std::chrono::steady_clock::now();
      auto r = store().Get("hot", "k");
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!r.ok()) ms.back() = 1e9;
      reads.fetch_add(1);
      std::this_thread::yield();
    }
  });
  // 200 creations, and more while the reader has not sampled enough: on a loaded machine it got
  // 18 reads in the time of 200 creations (CI, 2026-11-29).
  for (int i = 0; i < 200 || (reads.load() <= 100 && i < 900); ++i) {
    ASSERT_TRUE(store().Put("n" + std::to_string(i), "k", "v", "", 0).ok());
  }
  stop.store(true);
  reader.join();
  ASSERT_GT(ms.size(), 100u);
  std::sort(ms.begin(), ms.end());
  const double p99 = ms[ms.size() * 99 / 100];
  EXPECT_LT(p99, 50.0) << "GET p99 " << p99 << " ms over " << ms.size() << " reads";
}

}  // namespace
}  // namespace apicached::testing
