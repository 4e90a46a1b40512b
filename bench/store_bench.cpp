// Micro-benchmarks of the RocksDB-backed store: Get (of present and absent keys), Put (over a key
// and of a new one) and MultiGet of 500-byte values. The reads run first, on the freshly loaded
// store of 100k entries; the Puts then add to it (so a run's figures depend on the filter: the
// memtable's fill differs).
//
//   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
//   cmake --build build-rel --target store_bench && build-rel/bench/store_bench
//
// The store lives in a fresh directory under $TMPDIR (or /tmp), removed at exit.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/clock.h"
#include "storage/store.h"
#include "storage/write_deferral.h"

namespace apicached {
namespace {

constexpr int kEntries = 100'000;
constexpr size_t kValueBytes = 500;

std::string KeyOf(int i) {
  return "ruc:" + std::to_string(20'000'000'000LL + i);
}

// One populated store shared by the benchmarks of this process.
class BenchStore {
 public:
  static BenchStore& Get() {
    static BenchStore instance;
    return instance;
  }
  Store& store() { return *store_; }
  ~BenchStore() {
    static_cast<void>(store_->Close());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

 private:
  BenchStore() {
    const char* base = getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/apicached-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    StoreOptions options;
    options.data_dir = dir_ + "/db";
    auto opened = OpenStore(options, clock_);
    if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
    store_ = std::move(*opened);
    const std::string value(kValueBytes, 'v');
    for (int b = 0; b < kEntries; b += 1000) {
      std::vector<PutItem> items;
      for (int i = b; i < b + 1000; ++i) {
        items.push_back({.key = KeyOf(i),
                         .value = value,
                         .content_type = "application/json",
                         .ttl_seconds = 0});
      }
      auto put = store_->MultiPut("bench", items);
      if (!put.ok()) throw std::runtime_error(put.status().ToString());
    }
  }

  SystemClock clock_;
  std::string dir_;
  std::unique_ptr<Store> store_;
};

void BM_Get(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  for (auto _ : state) {
    auto got = store.Get("bench", KeyOf(pick(rng)));
    if (!got.ok()) state.SkipWithError(got.status().ToString().c_str());
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get);

// A key the store does not hold (a cache miss): the memtable is searched, the table files'
// bloom filters answer.
void BM_GetMissing(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  for (auto _ : state) {
    auto got = store.Get("bench", "absent:" + std::to_string(pick(rng)));
    if (got.code() != Code::kNotFound) state.SkipWithError("an absent key was found");
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetMissing);

void BM_MultiGet100(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  std::vector<std::vector<std::string>> key_sets(64, std::vector<std::string>(100));
  for (auto& keys : key_sets) {
    for (auto& k : keys) k = KeyOf(pick(rng));
  }
  size_t n = 0;
  for (auto _ : state) {
    auto got = store.MultiGet("bench", key_sets[n++ % key_sets.size()]);
    if (!got.ok()) state.SkipWithError(got.status().ToString().c_str());
    benchmark::DoNotOptimize(got);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_MultiGet100);

void BM_Put(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  const std::string value(kValueBytes, 'p');
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  for (auto _ : state) {
    auto put = store.Put("bench", KeyOf(pick(rng)), value, "application/json", 3600);
    if (!put.ok()) state.SkipWithError(put.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(kValueBytes));
}
BENCHMARK(BM_Put);

// A Put of a key the store has never held (a cache-aside write after a miss): the read that
// tells created from replaced finds nothing.
void BM_PutNew(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  const std::string value(kValueBytes, 'n');
  int64_t next = 0;
  for (auto _ : state) {
    auto put = store.Put("bench", "new:" + std::to_string(next++), value, "application/json", 3600);
    if (!put.ok()) state.SkipWithError(put.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PutNew);

// 16 Puts whose log flush is deferred to one commit, as a front's group commit makes them
// (storage/write_deferral.h): the cost of a write apart from its write() of the log.
void BM_Put16OneCommit(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  const std::string value(kValueBytes, 'p');
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  for (auto _ : state) {
    {
      const WriteDeferral deferral;
      for (int i = 0; i < 16; ++i) {
        auto put = store.Put("bench", KeyOf(pick(rng)), value, "application/json", 3600);
        if (!put.ok()) state.SkipWithError(put.status().ToString().c_str());
      }
    }
    if (Status s = store.CommitWrites(); !s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_Put16OneCommit);

// The same 16 writes as one MultiPut (one WriteBatch): what batching a pipeline's SETs saves.
void BM_MultiPut16(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kEntries - 1);
  std::vector<PutItem> items(16);
  for (PutItem& item : items) {
    item.value = std::string(kValueBytes, 'p');
    item.content_type = "application/json";
    item.ttl_seconds = 3600;
  }
  for (auto _ : state) {
    for (PutItem& item : items) item.key = KeyOf(pick(rng));
    auto put = store.MultiPut("bench", items);
    if (!put.ok()) state.SkipWithError(put.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * 16);
}
BENCHMARK(BM_MultiPut16);

void BM_Incr(benchmark::State& state) {
  Store& store = BenchStore::Get().store();
  for (auto _ : state) {
    auto v = store.Incr("bench-counters", "hits", 1, 0);
    if (!v.ok()) state.SkipWithError(v.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Incr);

}  // namespace
}  // namespace apicached

BENCHMARK_MAIN();
