// The routes of the daemon (cache API and health) on a real RocksDB store in a fresh temp dir,
// built once per fuzzing process, for the HTTP fuzz targets. Mirrors daemon/app.cpp's wiring.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/cache_api.h"
#include "http/health_api.h"
#include "http/router.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace apicached::fuzz {

class RouterFixture {
 public:
  static RouterFixture& Get() {
    static RouterFixture* fixture = new RouterFixture();  // lives until exit, like a daemon
    return *fixture;
  }
  const http::Router& router() const { return router_; }

 private:
  RouterFixture() {
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
    auto store = OpenStore(options, clock_);
    if (!store.ok()) throw std::runtime_error(store.status().ToString());
    store_ = std::move(*store);
    http::AddHealthRoute(router_, store_->admin());
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    http::AddCacheRoutes(router_, *cache_);
  }

  static std::string& Dir() {
    static std::string dir;
    return dir;
  }

  SystemClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  http::Router router_;
};

}  // namespace apicached::fuzz
