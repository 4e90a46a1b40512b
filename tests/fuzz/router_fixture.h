// The routes of the daemon (cache API and health) on a real RocksDB store in a fresh temp dir,
// built once per fuzzing process, for the HTTP fuzz targets. Mirrors daemon/app.cpp's wiring.
#pragma once

#include <memory>

#include "http/cache_api.h"
#include "http/health_api.h"
#include "http/router.h"
#include "tests/fuzz/fuzz_store.h"

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
    http::AddHealthRoute(router_, store_.store().admin());
    cache_ = std::make_unique<cache::CacheService>(store_.store(), store_.clock());
    http::AddCacheRoutes(router_, *cache_);
  }

  FuzzStore store_;
  std::unique_ptr<cache::CacheService> cache_;
  http::Router router_;
};

}  // namespace apicached::fuzz
