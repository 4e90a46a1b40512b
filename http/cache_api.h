// The /v1/cache routes (the whole key-value API; see docs/API.md for the wire format).
//
// Registers on a Router handlers that talk to a Store. Every handler validates its input first
// (namespace name, key, ttl, JSON) and answers 400 with a problem+json body when it is wrong;
// store errors go through ProblemFromStatus(). Namespaces whose name starts with '.' are internal
// and refused with 400 on every route.
//
// Thread safety: the handlers may run on any number of threads at once (the Store is thread-safe).
// The Store must outlive the Router.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "http/router.h"
#include "storage/store.h"

namespace apicached::http {

struct CacheApiOptions {
  size_t max_batch_keys = 1000;             // keys or entries in one _mget/_mset/_mdelete
  int max_json_depth = 64;                  // nesting allowed in request bodies
  int64_t max_ttl_seconds = 3'153'600'000;  // 100 years; larger ttl values are refused (400)
};

// Told once per request that looked keys up (GET, HEAD, _mget) how many were hits (a live entry
// found) and misses (absent or expired); requests refused before the store answered are no
// lookups. Called on the handler's thread; must be thread-safe. Empty: nobody is told.
using LookupObserver = std::function<void(std::string_view ns, uint64_t hits, uint64_t misses)>;

void AddCacheRoutes(Router& router, Store& store, CacheApiOptions options = {},
                    LookupObserver on_lookup = {});

}  // namespace apicached::http
