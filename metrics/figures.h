// Plain figures that live in other modules (hot cache, warm-up, invalid-ID registry) as metrics/
// sees them. metrics/ never links hotcache/ or invalid/: the daemon copies their figures into
// these structs inside the provider callbacks it hands to Metrics and HealthChecker.
//
// Thread safety: values; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace apicached {

// The RAM tier in front of the store. Counters are monotonic since the process started.
struct HotCacheFigures {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t bytes = 0;           // bytes held now
  uint64_t entries = 0;         // entries held now
  uint64_t capacity_bytes = 0;  // the configured byte budget
};

// The file-descriptor budget the daemon runs with (daemon/fd_budget.h), for GET /v1/health.
struct ResourceLimits {
  uint64_t nofile_soft = 0;  // RLIMIT_NOFILE now (after raising it to the hard limit)
  uint64_t nofile_hard = 0;
  uint64_t max_connections = 0;       // client connections of all fronts together
  uint64_t store_max_open_files = 0;  // RocksDB table files open at once; 0: no bound
};

// Start-up warm-up of the hot tier.
struct WarmupFigures {
  // "off" (no warm-up configured), "running", "done" or "failed".
  std::string state = "off";
  uint64_t keys_loaded = 0;
  double seconds = 0;  // time spent so far, or in total once done
  std::string error;   // why it failed; empty unless state == "failed"
};

// One invalid-ID list (e.g. "ruc"), as metrics/ exports it. (Named apart from invalid/'s own
// InvalidListFigures, which the daemon copies into this.)
struct InvalidListCounts {
  std::string list;
  uint64_t records = 0;  // records held now (an estimate)
  // Monotonic lookup counts by result, e.g. {"found", 12}, {"missed", 40}.
  std::map<std::string, uint64_t> lookups_by_result;
};

// The size bounds (evict/evicting_store.h) as a whole; per-namespace figures come with
// NamespaceFigures.
struct SizeBoundFigures {
  uint64_t max_disk_bytes = 0;       // 0: no limit
  uint64_t min_free_disk_bytes = 0;  // 0: none kept
  uint64_t used_bytes = 0;           // all namespaces together, as of the last check
  uint64_t checks = 0;               // eviction checks since start
  double work_seconds = 0;           // time they took
  uint64_t assisted_evictions = 0;   // entries writers evicted themselves (the check was behind)
  uint64_t throttled_writes = 0;     // writes that waited under the free-disk floor
  std::string behind;                // why eviction is not keeping up; empty when it is
};

}  // namespace apicached
