// Get latency and throughput from RAM (TieredStore hit) and from RocksDB (the inner store, and a
// TieredStore whose LRU is too small to hold anything: the miss path), side by side.
// 500-byte values; a hot set of 10k keys out of 50k. Run from a Release build:
//   build-hot-rel/bench/hot_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hotcache/tiered_store.h"

namespace apicached {
namespace {

constexpr int kEntries = 50'000;
constexpr int kHot = 10'000;
constexpr const char* kNs = "ruc";

std::string KeyOf(int i) {
  return "20" + std::to_string(100'000'000 + i);
}

struct Fixture {
  std::string dir;
  SystemClock clock;
  std::unique_ptr<TieredStore> warm;  // LRU holds the hot set
  std::unique_ptr<TieredStore> cold;  // 1-byte LRU: every Get goes to RocksDB
  std::vector<std::string> hot_keys;

  Fixture() {
    char tmpl[] = "/tmp/apicached-hot-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    warm = Open(dir + "/warm", HotCacheOptions{});
    HotCacheOptions tiny;
    tiny.capacity_bytes = 1;
    cold = Open(dir + "/cold", tiny);
    const std::string value(500, 'v');
    for (TieredStore* store : {warm.get(), cold.get()}) {
      std::vector<PutItem> batch;
      for (int i = 0; i < kEntries; ++i) {
        batch.push_back({.key = KeyOf(i),
                         .value = value,
                         .content_type = "application/json",
                         .ttl_seconds = 0});
        if (batch.size() == 1000) {
          if (!store->MultiPut(kNs, batch).ok()) std::abort();
          batch.clear();
        }
      }
    }
    for (int h = 0; h < kHot; ++h) hot_keys.push_back(KeyOf(h * (kEntries / kHot)));
    for (const std::string& key : hot_keys) {
      if (!warm->Get(kNs, key).ok() || !cold->Get(kNs, key).ok()) std::abort();
    }
  }
  ~Fixture() {
    warm.reset();
    cold.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::unique_ptr<TieredStore> Open(const std::string& path, HotCacheOptions hot) {
    hot.hot_set_period_seconds = 0;
    StoreOptions o;
    o.data_dir = path;
    o.maintenance_period_seconds = 0;
    auto inner = OpenStore(o, clock);
    if (!inner.ok()) {
      std::fprintf(stderr, "%s\n", inner.status().ToString().c_str());
      std::abort();
    }
    return std::make_unique<TieredStore>(std::move(*inner), hot);
  }
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

template <typename GetFn>
void RunGets(benchmark::State& state, GetFn get) {
  const std::vector<std::string>& keys = Shared().hot_keys;
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    auto r = get(keys[i++ % keys.size()]);
    benchmark::DoNotOptimize(r);
    if (!r.ok()) state.SkipWithError("get failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_GetFromRam(benchmark::State& state) {
  TieredStore& store = *Shared().warm;
  const uint64_t misses = store.hot_figures().misses;
  RunGets(state, [&](const std::string& key) { return store.Get(kNs, key); });
  if (store.hot_figures().misses != misses) state.SkipWithError("a hot key was not in RAM");
}

void BM_GetFromRocksDb(benchmark::State& state) {
  Store& store = Shared().warm->inner();
  RunGets(state, [&](const std::string& key) { return store.Get(kNs, key); });
}

void BM_GetMissThroughTiered(benchmark::State& state) {
  TieredStore& store = *Shared().cold;
  RunGets(state, [&](const std::string& key) { return store.Get(kNs, key); });
}

BENCHMARK(BM_GetFromRam)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_GetFromRocksDb)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_GetMissThroughTiered)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace apicached

BENCHMARK_MAIN();
