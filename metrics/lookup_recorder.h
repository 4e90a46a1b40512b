// LookupRecorder: the cache layer's CacheObserver in the daemon. Counts every lookup's hits and
// misses in Metrics (apicached_cache_{hits,misses}_total with cache_namespace and protocol
// labels) and in the StatsBook (the per-day figures of GET /v1/stats, all protocols together).
//
// Thread safety: OnLookup may be called from any number of threads at once. The Metrics and the
// StatsBook must outlive the recorder.
#pragma once

#include "cache/cache_observer.h"
#include "metrics/metrics.h"
#include "metrics/stats_book.h"

namespace apicached {

class LookupRecorder final : public cache::CacheObserver {
 public:
  LookupRecorder(Metrics& metrics, StatsBook& stats) : metrics_(metrics), stats_(stats) {}

  void OnLookup(cache::Protocol protocol, std::string_view ns, uint64_t hits,
                uint64_t misses) override {
    metrics_.OnLookup(ns, hits, misses, cache::ProtocolName(protocol));
    stats_.Record(ns, hits, misses);
  }

  void OnLease(cache::Protocol protocol, std::string_view ns, cache::LeaseEvent event) override {
    metrics_.OnLeaseEvent(ns, cache::LeaseEventName(event), cache::ProtocolName(protocol));
  }

 private:
  Metrics& metrics_;
  StatsBook& stats_;
};

}  // namespace apicached
