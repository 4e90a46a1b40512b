// The /v1/cache routes (the whole key-value API; see docs/API.md for the wire format).
//
// Registers on a Router handlers that speak HTTP to the cache layer (cache/cache_service.h),
// which holds the cache semantics: namespace checks, TTL rules, value metadata and the lookup
// statistics (counted there with protocol "http", never here). Every handler validates its HTTP
// input first (namespace name, key, ttl, flags, JSON) and answers 400 with a problem+json body
// when it is wrong; the layer's errors go through ProblemFromStatus(). Namespaces whose name
// starts with '.' are internal and refused with 400 on every route.
//
// Thread safety: the handlers may run on any number of threads at once (the CacheService is
// thread-safe). The CacheService must outlive the Router.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cache/cache_service.h"
#include "http/router.h"

namespace apicached::http {

struct CacheApiOptions {
  size_t max_batch_keys = 1000;  // keys or entries in one _mget/_mset/_mdelete
  int max_json_depth = 64;       // nesting allowed in request bodies
  // The plain PUTs of an I/O thread's connections in one event-loop turn written as one store
  // batch at its group commit (http/put_combiner.h); false: each PUT is its own write.
  bool combine_puts = false;
};

void AddCacheRoutes(Router& router, cache::CacheService& cache, CacheApiOptions options = {});

}  // namespace apicached::http
