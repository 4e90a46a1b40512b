// Several threads on the same keys: exact results. ClearNamespace at size.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using ConcurrencyTest = StoreTest;
constexpr int kThreads = 8;

void RunThreads(const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(body, t);
  for (auto& th : threads) th.join();
}

TEST_F(ConcurrencyTest, IncrFromManyThreadsGivesExactTotals) {
  constexpr int kPerThread = 500;
  std::atomic<int> failures{0};
  RunThreads([&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      if (!store().Incr("ns", "counter" + std::to_string(i % 4), 1, 0).ok()) ++failures;
      if (!store().Incr("ns", "signed", t % 2 == 0 ? 3 : -1, 0).ok()) ++failures;
    }
  });
  EXPECT_EQ(failures.load(), 0);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(store().Get("ns", "counter" + std::to_string(k))->value,
              std::to_string(kThreads * kPerThread / 4));
  }
  EXPECT_EQ(store().Get("ns", "signed")->value, std::to_string(kPerThread * (4 * 3 - 4 * 1)));
}

TEST_F(ConcurrencyTest, AddFromManyThreadsHasExactlyOneWinnerPerRound) {
  constexpr int kRounds = 200;
  std::vector<std::atomic<int>> wins(kRounds);
  std::atomic<int> errors{0};
  RunThreads([&](int t) {
    for (int r = 0; r < kRounds; ++r) {
      auto added = store().Add("ns", "round" + std::to_string(r), std::to_string(t), "", 0);
      if (added.ok()) {
        ++wins[r];
      } else if (added.code() != Code::kAlreadyExists) {
        ++errors;
      }
    }
  });
  EXPECT_EQ(errors.load(), 0);
  for (int r = 0; r < kRounds; ++r) EXPECT_EQ(wins[r].load(), 1) << "round " << r;
}

TEST_F(ConcurrencyTest, CompareAndSetLosesNoUpdate) {
  ASSERT_TRUE(store().Put("ns", "k", "0", "", 0).ok());
  constexpr int kPerThread = 100;
  RunThreads([&](int) {
    for (int done = 0; done < kPerThread;) {
      auto cur = store().Get("ns", "k");
      if (!cur.ok()) return;
      const std::string next = std::to_string(std::stoll(cur->value) + 1);
      if (store().CompareAndSet("ns", "k", cur->info.version, next, "", 0).ok()) ++done;
    }
  });
  EXPECT_EQ(store().Get("ns", "k")->value, std::to_string(kThreads * kPerThread));
}

TEST_F(ConcurrencyTest, MultiPutIsSeenWholeOrNotAtAll) {
  const std::vector<std::string> keys = {"a", "b", "c", "d"};
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto got = store().MultiGet("ns", keys);
      if (!got.ok() || !(*got)[0]) continue;
      for (const auto& e : *got) {
        if (!e || e->value != (*got)[0]->value) ++torn;
      }
    }
  });
  for (int i = 0; i < 300; ++i) {
    std::vector<PutItem> items;
    for (const auto& k : keys) {
      items.push_back({.key = k, .value = std::to_string(i), .content_type = "", .ttl_seconds = 0});
    }
    ASSERT_TRUE(store().MultiPut("ns", items).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST_F(ConcurrencyTest, ClearNamespaceOf200kKeysTakesUnder100ms) {
  constexpr int kKeys = 200'000;
  constexpr int kBatch = 2'000;
  for (int b = 0; b < kKeys / kBatch; ++b) {
    std::vector<PutItem> items;
    items.reserve(kBatch);
    for (int i = 0; i < kBatch; ++i) {
      items.push_back({.key = "key:" + std::to_string(b * kBatch + i),
                       .value = std::string(100, 'v'),
                       .content_type = "",
                       .ttl_seconds = 0});
    }
    ASSERT_TRUE(store().MultiPut("big", items).ok());
  }
  ASSERT_TRUE(store().Get("big", "key:199999").ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store().ClearNamespace("big").ok());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(100))
      << std::chrono::duration_cast<std::chrono::microseconds>(took).count() << " us";
  EXPECT_EQ(store().Get("big", "key:0").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("big", "key:199999").code(), Code::kNotFound);
  EXPECT_TRUE(store().Scan("big", "", std::nullopt, 10)->entries.empty());
  EXPECT_EQ(*store().DeletePrefix("big", "key:"), 0u);
}

}  // namespace
}  // namespace apicached::testing
