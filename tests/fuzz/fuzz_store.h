// A real RocksDB store in a fresh temp dir, and the cache layer on it, for the fuzz targets that
// run on the store: opened once per fuzzing process (like a daemon's, it lives until exit and
// keeps what the inputs wrote) and removed at exit.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "cache/cache_service.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace apicached::fuzz {

class FuzzStore {
 public:
  // max_value_bytes: the store's item limit (0: the store's default).
  explicit FuzzStore(uint64_t max_value_bytes = 0) {
    const char* base = std::getenv("TMPDIR");
    std::string dir =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/apicached-fuzz-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    Dir() = dir;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Dir(), ec);
    });
    StoreOptions options;
    options.data_dir = dir + "/data";
    options.maintenance_period_seconds = 0;
    if (max_value_bytes != 0) options.max_value_bytes = max_value_bytes;
    auto store = OpenStore(options, clock_);
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    store_ = std::move(*store);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
  }

  Store& store() { return *store_; }
  cache::CacheService& cache() { return *cache_; }

 private:
  static std::string& Dir() {
    static std::string dir;
    return dir;
  }

  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
};

// A fixture of type T built on first use and kept until exit (never destroyed, like a daemon's
// wiring, so no input pays for it and none sees it torn down).
template <typename T>
T& ProcessWide() {
  static T* fixture = new T();
  return *fixture;
}

}  // namespace apicached::fuzz
