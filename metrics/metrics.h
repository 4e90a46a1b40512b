// apicached's Prometheus metrics: one registry, every metric family declared once (AllMetrics()),
// serialized in the Prometheus text format for GET /metrics.
//
// Two kinds of figures:
// - pushed: what apicached sees happen (requests, lookups) is counted as it happens through
//   OnRequest / OnLookup into prometheus-cpp families;
// - pulled: figures that live elsewhere (the store's per-namespace figures and maintenance
//   totals, the hot tier, the warm-up, the invalid-ID lists) are asked for at scrape time through
//   the MetricsProviders
//   callbacks, so a namespace's series vanish with it and metrics/ links neither hotcache/ nor
//   invalid/.
//
// Labels: route, method, status for HTTP; cache_namespace (one value per namespace, never per
// key) and protocol (http, memcached, redis) for lookups; list and result for invalid-ID lists.
// Label values that come from clients are bounded: methods outside the standard set become
// "OTHER", an empty route becomes "unmatched", and lookups past max_lookup_namespaces distinct
// (protocol, namespace) pairs are counted under cache_namespace="(other)".
//
// Thread safety: every method may be called concurrently from any thread. The providers are
// called from the thread that calls Serialize(), one scrape at a time; they must not call back
// into Metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/figures.h"
#include "metrics/health.h"
#include "metrics/hit_history.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace prometheus {
class Counter;
class Histogram;
class Registry;
}  // namespace prometheus

namespace apicached {

// One metric family: its name, type, help text and label names. AllMetrics() is the table.
struct MetricSpec {
  std::string_view name;
  std::string_view type;  // "counter", "gauge" or "histogram"
  std::string_view help;
  std::vector<std::string_view> labels;
};

// Indices into AllMetrics(), one per family.
enum class MetricId : size_t {
  kHttpRequests = 0,
  kHttpRequestDuration,
  kCacheHits,
  kCacheMisses,
  kCacheExpiredReads,
  kCacheLeaseEvents,
  kHotCacheHits,
  kHotCacheMisses,
  kHotCacheEvictions,
  kHotCacheBytes,
  kHotCacheEntries,
  kHotCacheCapacity,
  kNamespaceKeys,
  kNamespaceDiskBytes,
  kNamespaceDefaultTtl,
  kExpiredDropped,
  kNamespaceCompactions,
  kMaintenanceRuns,
  kCompactions,
  kMaintenanceExpiredDropped,
  kWarmupKeysLoaded,
  kWarmupDuration,
  kWarmupDone,
  kInvalidRecords,
  kInvalidLookups,
  kProviderErrors,
  kHealthStatus,
  kStoreCheckFailures,
  kFreeDiskBytes,
  kMinFreeDiskBytes,
  kNamespaceEvictions,
  kNamespaceUsedBytes,
  kNamespaceQuotaBytes,
  kEvictionChecks,
  kEvictionSeconds,
  kEvictionAssisted,
  kEvictionThrottledWrites,
  kDiskUsedBytes,
  kMaxDiskBytes,
  kProcessStartTime,
  kBuildInfo,
  kTlsHandshakes,
  kCacheLeaseWaiters,
  kCount,
};

// The table of every metric family apicached exports, indexed by MetricId.
std::span<const MetricSpec> AllMetrics();
const MetricSpec& Spec(MetricId id);

// The latency histogram's upper bounds, in seconds: 50 µs .. 10 s.
std::span<const double> RequestDurationBuckets();

struct MetricsProviders {
  // The store's user namespaces (Store::ListNamespaces). An error is counted in
  // apicached_metrics_provider_errors_total{provider="store"} and the namespace series are left
  // out of that scrape.
  std::function<Result<std::vector<NamespaceFigures>>()> namespaces;
  // The store's expired-entry check totals since open (Store::MaintenanceTotals), whoever ran
  // it. Unset: no maintenance series.
  std::function<MaintenanceReport()> maintenance;
  std::function<HotCacheFigures()> hot_cache;  // unset: no hot tier series
  std::function<WarmupFigures()> warmup;       // unset: no warm-up series
  // The invalid-ID lists; an error counts under provider="invalid". Unset: no invalid series.
  std::function<Result<std::vector<InvalidListCounts>>()> invalid_lists;
  // The health checks (HealthChecker::Check: one probe write, one statvfs). Unset: no health
  // series.
  std::function<HealthReport()> health;
  // The size bounds' figures (eviction on). Unset: no eviction series but the per-namespace ones.
  std::function<SizeBoundFigures()> size_bounds;
  // Readers waiting now for another client's fetch (CacheService::waiting). Unset: no series.
  std::function<uint64_t()> lease_waiters;
};

struct MetricsOptions {
  std::string version;  // apicached_build_info{version}; empty: this build's project version
  // Distinct (protocol, cache_namespace) label pairs OnLookup creates before it folds new
  // namespaces into "(other)". Protects Prometheus from clients asking for many made-up
  // namespaces.
  size_t max_lookup_namespaces = 512;
};

class Metrics {
 public:
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
  static constexpr std::string_view kOtherNamespace = "(other)";

  // process_start_time_seconds is taken from clock now. The clock must outlive Metrics.
  explicit Metrics(const Clock& clock, MetricsOptions options = {});
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Replaces the providers. Safe at any time; a scrape in progress finishes with the old ones.
  void SetProviders(MetricsProviders providers);

  // One finished HTTP request: route is the router's pattern (not the path), method the request
  // method, status the response status, seconds the time from request read to response written.
  void OnRequest(std::string_view route, std::string_view method, int status, double seconds);

  // Cache lookups on namespace ns: the hits and misses of one call of the cache layer, through
  // protocol ("http", "memcached", "redis": the protocol label).
  void OnLookup(std::string_view ns, uint64_t hits, uint64_t misses,
                std::string_view protocol = "http");
  // One lease event (cache/cache_observer.h LeaseEvent: "granted", "coalesced", "stale_hit",
  // "timed_out") on namespace ns through protocol; the same namespace cap as OnLookup.
  void OnLeaseEvent(std::string_view ns, std::string_view event, std::string_view protocol);
  // One TLS handshake on a listener of protocol ("http", "memcached", "redis"; another counts
  // as "http") with its result ("ok", "failed", "timed_out"; another counts as "failed").
  // Never allocates.
  void OnTlsHandshake(std::string_view protocol, std::string_view result);
  // One lookup: a hit or a miss.
  void OnLookup(std::string_view ns, bool hit) { OnLookup(ns, hit ? 1 : 0, hit ? 0 : 1); }

  // Every namespace's lookups per minute over the last hour (fed by OnLookup), for the status
  // page's chart.
  const HitHistory& hit_history() const { return hit_history_; }

  // Every family in the Prometheus text exposition format 0.0.4 (see kContentType). Calls the
  // providers.
  std::string Serialize() const;

  // The registry of the pushed families, for other collectors of the same process.
  prometheus::Registry& registry() { return *registry_; }

 private:
  struct RequestSeries {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
  };
  struct LookupSeries {
    prometheus::Counter* hits;
    prometheus::Counter* misses;
  };
  class ScrapeCollector;

  const RequestSeries& RequestSeriesFor(std::string_view route, std::string_view method,
                                        int status);
  // The thread's last series when it is (ns, protocol); else FindLookupSeries.
  const LookupSeries& LookupSeriesFor(std::string_view ns, std::string_view protocol);
  const LookupSeries& FindLookupSeries(std::string_view ns, std::string_view protocol);

  const MetricsOptions options_;
  const uint64_t id_;  // unique per Metrics in the process (LookupSeriesFor's per-thread memory)
  HitHistory hit_history_;
  std::unique_ptr<prometheus::Registry> registry_;
  std::unique_ptr<ScrapeCollector> collector_;

  // The families are owned by registry_; these point into it.
  struct Families;
  std::unique_ptr<Families> families_;

  // Series already created, so the hot path does not go through Family::Add (which allocates).
  std::shared_mutex series_mutex_;
  std::map<std::string, RequestSeries, std::less<>> request_series_;
  std::map<std::string, LookupSeries, std::less<>> lookup_series_;
  std::map<std::string, prometheus::Counter*, std::less<>> lease_series_;
  prometheus::Counter* tls_series_[3][3] = {};  // [protocol][result], made at construction
};

}  // namespace apicached
