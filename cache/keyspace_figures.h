// Keyspace figures of one namespace, for Redis's DBSIZE and INFO keyspace
// (`db0:keys=3,expires=1,avg_ttl=99998`): how many live keys, how many of them carry a TTL, and
// their mean remaining TTL. Counts nothing (no statistics), reads the store through
// CacheService::Scan only.
//
// Cost: a namespace of at most exact_up_to keys is read whole, in pages, and its figures are
// exact (what Redis answers for the same commands). The store's estimate decides whether to try:
// it counts overwritten versions until a compaction, so a namespace it puts up to 4x the limit is
// read up to exact_up_to + 1 keys (never more). A larger one is not read whole: keys is the
// store's estimate (at least the keys read), and expires / avg_ttl are extrapolated from the keys
// read (the first sample_keys in key order when the estimate is over 4x the limit; an estimate,
// as Redis's avg_ttl is).
//
// Thread safety: as CacheService::Scan (any thread). Errors: the store's, as a Status;
// a namespace never written has zero figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cache/cache_service.h"

namespace apicached::cache {

struct KeyspaceFigures {
  uint64_t keys = 0;
  uint64_t expires = 0;    // keys with a TTL
  int64_t avg_ttl_ms = 0;  // mean remaining TTL of those keys; 0 when none
};

struct KeyspaceOptions {
  // Namespaces of at most this many keys are counted exactly (see above).
  uint64_t exact_up_to = 100'000;
  // Larger ones: expires and avg_ttl_ms come from this many keys.
  size_t sample_keys = 1000;
  // Keys read per Scan call.
  size_t page_keys = 1000;
};

Result<KeyspaceFigures> CountKeyspace(CacheService& cache, std::string_view ns,
                                      const KeyspaceOptions& options = {});

}  // namespace apicached::cache
