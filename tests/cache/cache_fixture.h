// A CacheService over a real store in a temp dir, on a FakeClock, with an observer that records
// every lookup it is told about.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache/cache_service.h"
#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

struct Lookup {
  cache::Protocol protocol;
  std::string ns;
  uint64_t hits;
  uint64_t misses;
  bool operator==(const Lookup&) const = default;
};

class RecordingObserver final : public cache::CacheObserver {
 public:
  void OnLookup(cache::Protocol protocol, std::string_view ns, uint64_t hits,
                uint64_t misses) override {
    std::lock_guard lock(mu_);
    lookups_.push_back({protocol, std::string(ns), hits, misses});
  }
  void OnLease(cache::Protocol, std::string_view, cache::LeaseEvent event) override {
    std::lock_guard lock(mu_);
    ++lease_events_[static_cast<size_t>(event)];
  }
  std::vector<Lookup> lookups() {
    std::lock_guard lock(mu_);
    return lookups_;
  }
  uint64_t lease_events(cache::LeaseEvent event) {
    std::lock_guard lock(mu_);
    return lease_events_[static_cast<size_t>(event)];
  }

 private:
  std::mutex mu_;
  std::vector<Lookup> lookups_;
  uint64_t lease_events_[cache::kLeaseEventCount] = {};
};

class CacheServiceTest : public ::testing::Test {
 protected:
  static constexpr cache::Protocol kHttp = cache::Protocol::kHttp;
  static constexpr cache::Protocol kMc = cache::Protocol::kMemcached;
  static constexpr cache::Protocol kRedis = cache::Protocol::kRedis;

  CacheServiceTest() {
    options_.data_dir = dir_.Sub("db");
    options_.maintenance_period_seconds = 0;
    options_.ttl.default_ttl_seconds = 3600;
  }

  void SetUp() override {
    auto opened = OpenStore(options_, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_, cache_options_, &observer_);
  }

  cache::CacheService& cache() { return *cache_; }
  Store& store() { return *store_; }
  int64_t now() const { return clock_.NowMillis(); }

  TempDir dir_;
  FakeClock clock_;
  StoreOptions options_;
  cache::CacheServiceOptions cache_options_;
  RecordingObserver observer_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
};

}  // namespace apicached::testing
