// The eviction layer over the RAM tier over a RocksDB store in a temp dir, on a FakeClock, with
// no background thread (tests run the checks themselves).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "evict/evicting_store.h"
#include "hotcache/tiered_store.h"
#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

// Incompressible bytes (RocksDB compresses with LZ4: a repeated letter would take no disk).
inline std::string RandomValue(std::mt19937_64& rng, size_t bytes) {
  std::string v(bytes, '\0');
  for (char& c : v) c = static_cast<char>('!' + rng() % 90);
  return v;
}

class EvictTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(const std::string& data_dir = "") {
    StoreOptions o;
    o.data_dir = data_dir.empty() ? dir_.Sub("db") : data_dir;
    o.maintenance_period_seconds = 0;
    o.ttl.default_ttl_seconds = 0;
    auto inner = OpenStore(o, clock_);
    ASSERT_TRUE(inner.ok()) << inner.status().ToString();
    HotCacheOptions hot;
    hot.hot_set_period_seconds = 0;
    auto tiered = std::make_unique<TieredStore>(std::move(*inner), hot);
    tiered_ = tiered.get();
    EvictionOptions e = options_;
    e.period_ms = 0;
    std::unique_ptr<Store> below = std::move(tiered);
    if (wrap_) below = wrap_(std::move(below));
    store_ = std::make_unique<EvictingStore>(std::move(below), e);
    ASSERT_TRUE(store_->LoadIndex().ok());
  }

  void Reopen() {
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
    Open();
  }

  EvictionReport Evict() {
    auto report = store_->RunEviction();
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : EvictionReport{};
  }

  NamespaceFigures Figures(const std::string& ns) {
    auto f = store_->GetNamespace(ns);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : NamespaceFigures{};
  }

  void SetQuota(const std::string& ns, uint64_t bytes) {
    EvictionLimits limits = store_->limits();
    limits.namespace_quota_bytes[ns] = bytes;
    store_->SetLimits(limits);
  }

  TempDir dir_;
  FakeClock clock_;
  EvictionOptions options_;
  // When set, what the eviction layer wraps instead of the RAM tier (given it).
  std::function<std::unique_ptr<Store>(std::unique_ptr<Store>)> wrap_;
  std::mt19937_64 rng_{14};
  TieredStore* tiered_ = nullptr;
  std::unique_ptr<EvictingStore> store_;
};

}  // namespace apicached::testing
