// The routes of the daemon (cache API and health) on a real RocksDB store in a fresh temp dir,
// built once per fuzzing process, for the HTTP fuzz targets. Mirrors daemon/app.cpp's wiring.
#pragma once

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
    http::AddCacheRoutes(router_, store_.cache());
  }

  FuzzStore store_;
  http::Router router_;
};

}  // namespace apicached::fuzz
