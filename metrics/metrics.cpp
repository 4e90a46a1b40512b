#include "metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <atomic>
#include <shared_mutex>
#include <sstream>
#include <utility>

#include "cache/cache_observer.h"

namespace apicached {
namespace {

std::atomic<uint64_t> next_metrics_id{1};  // Metrics::id_

// The one place where apicached's metric families are declared. Order follows MetricId.
const std::array<MetricSpec, static_cast<size_t>(MetricId::kCount)> kMetrics = {{
    {"apicached_http_requests_total",
     "counter",
     "HTTP requests answered, by route pattern, method and status code.",
     {"route", "method", "status"}},
    {"apicached_http_request_duration_seconds",
     "histogram",
     "Time from a request read to its response written, by route pattern and method.",
     {"route", "method"}},
    {"apicached_cache_hits_total",
     "counter",
     "Cache lookups that found a live entry, by namespace and the protocol they came through.",
     {"cache_namespace", "protocol"}},
    {"apicached_cache_misses_total",
     "counter",
     "Cache lookups that found no live entry (absent or expired), by namespace and protocol.",
     {"cache_namespace", "protocol"}},
    {"apicached_cache_expired_reads_total",
     "counter",
     "Store reads that found an expired entry not yet dropped, since the store was opened.",
     {"cache_namespace"}},
    {"apicached_cache_lease_events_total",
     "counter",
     "Lease events by namespace, protocol and event: granted (a reader got the lease to fill or "
     "refresh), coalesced (a waiting reader got the value another fetched), stale_hit (an entry "
     "in its grace period served stale), timed_out (a lease ran out without a store).",
     {"cache_namespace", "protocol", "event"}},
    {"apicached_hot_cache_hits_total", "counter", "Lookups answered by the RAM tier.", {}},
    {"apicached_hot_cache_misses_total",
     "counter",
     "Lookups the RAM tier passed to the store.",
     {}},
    {"apicached_hot_cache_evictions_total",
     "counter",
     "Entries the RAM tier evicted to stay within its byte budget.",
     {}},
    {"apicached_hot_cache_bytes", "gauge", "Bytes the RAM tier holds now.", {}},
    {"apicached_hot_cache_entries", "gauge", "Entries the RAM tier holds now.", {}},
    {"apicached_hot_cache_capacity_bytes", "gauge", "The RAM tier's byte budget.", {}},
    {"apicached_namespace_keys",
     "gauge",
     "Estimated live keys of a namespace (may still count expired, not yet dropped keys).",
     {"cache_namespace"}},
    {"apicached_namespace_disk_bytes",
     "gauge",
     "Bytes of a namespace's files on disk.",
     {"cache_namespace"}},
    {"apicached_namespace_default_ttl_seconds",
     "gauge",
     "Default TTL of a namespace's entries (0: never expire).",
     {"cache_namespace"}},
    {"apicached_expired_entries_dropped_total",
     "counter",
     "Expired entries compaction dropped since the store was opened.",
     {"cache_namespace"}},
    {"apicached_namespace_compactions_total",
     "counter",
     "RocksDB compactions of a namespace completed since the store was opened (all of them).",
     {"cache_namespace"}},
    {"apicached_maintenance_runs_total",
     "counter",
     "Runs of the expired-entry check that compacts mostly expired files, since the store was "
     "opened.",
     {}},
    {"apicached_compactions_total",
     "counter",
     "Namespace compactions started by the expired-entry check, since the store was opened.",
     {}},
    {"apicached_maintenance_expired_dropped_total",
     "counter",
     "Expired entries dropped by the compactions the expired-entry check started.",
     {}},
    {"apicached_warmup_keys_loaded",
     "gauge",
     "Keys the start-up warm-up loaded into RAM so far.",
     {}},
    {"apicached_warmup_duration_seconds",
     "gauge",
     "Time the start-up warm-up took so far (its total once done).",
     {}},
    {"apicached_warmup_done", "gauge", "1 once the start-up warm-up finished, else 0.", {}},
    {"apicached_invalid_records", "gauge", "Records an invalid-ID list holds now.", {"list"}},
    {"apicached_invalid_lookups_total",
     "counter",
     "Lookups in an invalid-ID list, by result.",
     {"list", "result"}},
    {"apicached_metrics_provider_errors_total",
     "counter",
     "Scrapes that could not read a figure source (its series are left out of that scrape).",
     {"provider"}},
    {"apicached_health_status",
     "gauge",
     "1 for the daemon's health status now (healthy, degraded, error; as GET /v1/health), 0 for "
     "the others.",
     {"status"}},
    {"apicached_store_check_failures_total",
     "counter",
     "Health checks that found the store unable to read or write (background error, stopped "
     "writes, failed probe write) since start.",
     {}},
    {"apicached_free_disk_bytes",
     "gauge",
     "Free bytes (for unprivileged users) on the data directory's file system.",
     {}},
    {"apicached_min_free_disk_bytes",
     "gauge",
     "Free-disk threshold under which the health status is degraded.",
     {}},
    {"apicached_namespace_evictions_total",
     "counter",
     "Entries evicted to keep within the size bounds, by namespace and reason: quota (the "
     "namespace's), disk (max disk bytes or min free disk), expired (dropped first).",
     {"cache_namespace", "reason"}},
    {"apicached_namespace_used_bytes",
     "gauge",
     "Bytes a namespace counts against its quota and the max disk bytes (docs/storage.md).",
     {"cache_namespace"}},
    {"apicached_namespace_quota_bytes",
     "gauge",
     "A namespace's quota (only namespaces that have one).",
     {"cache_namespace"}},
    {"apicached_eviction_checks_total", "counter", "Eviction checks run since start.", {}},
    {"apicached_eviction_seconds_total",
     "counter",
     "Time the eviction checks took (evicting and compacting) since start.",
     {}},
    {"apicached_eviction_assisted_total",
     "counter",
     "Entries writers evicted themselves because the background check fell behind.",
     {}},
    {"apicached_eviction_throttled_writes_total",
     "counter",
     "Writes that waited for an eviction check under the free-disk floor.",
     {}},
    {"apicached_disk_used_bytes",
     "gauge",
     "Bytes all namespaces (internal ones included) count against the max disk bytes, at the "
     "last check.",
     {}},
    {"apicached_max_disk_bytes", "gauge", "The max disk bytes (0: no limit).", {}},
    {"process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.", {}},
    {"apicached_build_info",
     "gauge",
     "Always 1; the version label says which build runs.",
     {"version"}},
    {"apicached_tls_handshakes_total",
     "counter",
     "TLS handshakes on the TLS listeners by protocol and result: ok, failed (bad certificate, "
     "wrong CA, clear text, reset), timed_out (not done within tls-handshake-timeout).",
     {"protocol", "result"}},
    {"apicached_cache_lease_waiters",
     "gauge",
     "Readers waiting now for another client's fetch of the key they asked for (leases with a "
     "wait).",
     {}},
}};

constexpr std::string_view kTlsProtocols[] = {"http", "memcached", "redis"};
constexpr std::string_view kTlsResults[] = {"ok", "failed", "timed_out"};

constexpr std::array<double, 17> kDurationBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};

prometheus::MetricType TypeOf(const MetricSpec& spec) {
  if (spec.type == "counter") return prometheus::MetricType::Counter;
  if (spec.type == "gauge") return prometheus::MetricType::Gauge;
  return prometheus::MetricType::Histogram;
}

prometheus::MetricFamily EmptyFamily(MetricId id) {
  const MetricSpec& spec = Spec(id);
  prometheus::MetricFamily family;
  family.name = std::string(spec.name);
  family.help = std::string(spec.help);
  family.type = TypeOf(spec);
  return family;
}

// Adds one sample to a pulled family; the label names come from the family's spec.
void AddSample(prometheus::MetricFamily& family, const MetricSpec& spec, double value,
               std::vector<std::string> label_values = {}) {
  prometheus::ClientMetric metric;
  for (size_t i = 0; i < label_values.size() && i < spec.labels.size(); ++i) {
    metric.label.push_back({std::string(spec.labels[i]), std::move(label_values[i])});
  }
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

// One pulled family with a single unlabelled sample.
prometheus::MetricFamily Single(MetricId id, double value) {
  prometheus::MetricFamily family = EmptyFamily(id);
  AddSample(family, Spec(id), value);
  return family;
}

template <typename T>
prometheus::Family<T>& Register(prometheus::Registry& registry, MetricId id) {
  const MetricSpec& spec = Spec(id);
  return prometheus::detail::Builder<T>()
      .Name(std::string(spec.name))
      .Help(std::string(spec.help))
      .Register(registry);
}

std::string_view NormalizeMethod(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",    "HEAD",    "POST", "PUT",
                                                             "DELETE", "OPTIONS", "PATCH"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

}  // namespace

std::span<const MetricSpec> AllMetrics() {
  return kMetrics;
}

const MetricSpec& Spec(MetricId id) {
  return kMetrics[static_cast<size_t>(id)];
}

std::span<const double> RequestDurationBuckets() {
  return kDurationBuckets;
}

// The pulled figures, collected at scrape time from the providers.
class Metrics::ScrapeCollector {
 public:
  void SetProviders(MetricsProviders providers) {
    std::lock_guard lock(mutex_);
    providers_ = std::move(providers);
  }

  std::vector<prometheus::MetricFamily> Collect() const {
    std::lock_guard lock(mutex_);  // one scrape at a time; also guards providers_
    std::vector<prometheus::MetricFamily> out;
    if (providers_.namespaces) {
      Result<std::vector<NamespaceFigures>> figures = providers_.namespaces();
      uint64_t& errors = provider_errors_["store"];
      if (figures.ok()) {
        CollectNamespaces(*figures, out);
      } else {
        ++errors;
      }
    }
    if (providers_.maintenance) CollectMaintenance(providers_.maintenance(), out);
    if (providers_.hot_cache) CollectHotCache(providers_.hot_cache(), out);
    if (providers_.warmup) CollectWarmup(providers_.warmup(), out);
    if (providers_.invalid_lists) {
      Result<std::vector<InvalidListCounts>> lists = providers_.invalid_lists();
      uint64_t& errors = provider_errors_["invalid"];
      if (lists.ok()) {
        CollectInvalid(*lists, out);
      } else {
        ++errors;
      }
    }
    if (providers_.health) CollectHealth(providers_.health(), out);
    if (providers_.size_bounds) CollectSizeBounds(providers_.size_bounds(), out);
    if (providers_.lease_waiters) {
      out.push_back(
          Single(MetricId::kCacheLeaseWaiters, static_cast<double>(providers_.lease_waiters())));
    }
    if (!provider_errors_.empty()) {
      prometheus::MetricFamily family = EmptyFamily(MetricId::kProviderErrors);
      for (const auto& [provider, errors] : provider_errors_) {
        AddSample(family, Spec(MetricId::kProviderErrors), static_cast<double>(errors), {provider});
      }
      out.push_back(std::move(family));
    }
    return out;
  }

 private:
  static void CollectNamespaces(const std::vector<NamespaceFigures>& figures,
                                std::vector<prometheus::MetricFamily>& out) {
    struct Column {
      MetricId id;
      double (*value)(const NamespaceFigures&);
    };
    static constexpr Column kColumns[] = {
        {MetricId::kNamespaceKeys,
         [](const NamespaceFigures& f) { return static_cast<double>(f.approx_live_keys); }},
        {MetricId::kNamespaceDiskBytes,
         [](const NamespaceFigures& f) { return static_cast<double>(f.disk_bytes); }},
        {MetricId::kNamespaceDefaultTtl,
         [](const NamespaceFigures& f) { return static_cast<double>(f.default_ttl_seconds); }},
        {MetricId::kExpiredDropped,
         [](const NamespaceFigures& f) { return static_cast<double>(f.expired_dropped); }},
        {MetricId::kCacheExpiredReads,
         [](const NamespaceFigures& f) { return static_cast<double>(f.expired_reads); }},
        {MetricId::kNamespaceCompactions,
         [](const NamespaceFigures& f) { return static_cast<double>(f.compactions); }},
        {MetricId::kNamespaceUsedBytes,
         [](const NamespaceFigures& f) { return static_cast<double>(f.used_bytes); }},
    };
    for (const Column& column : kColumns) {
      prometheus::MetricFamily family = EmptyFamily(column.id);
      for (const NamespaceFigures& ns : figures) {
        if (IsInternalNamespace(ns.name)) continue;
        AddSample(family, Spec(column.id), column.value(ns), {ns.name});
      }
      out.push_back(std::move(family));
    }
    prometheus::MetricFamily evictions = EmptyFamily(MetricId::kNamespaceEvictions);
    prometheus::MetricFamily quotas = EmptyFamily(MetricId::kNamespaceQuotaBytes);
    for (const NamespaceFigures& ns : figures) {
      if (IsInternalNamespace(ns.name)) continue;
      for (const auto& [reason, count] :
           {std::pair{"quota", ns.evicted_quota}, std::pair{"disk", ns.evicted_disk},
            std::pair{"expired", ns.evicted_expired}}) {
        AddSample(evictions, Spec(MetricId::kNamespaceEvictions), static_cast<double>(count),
                  {ns.name, reason});
      }
      if (ns.quota_bytes > 0) {
        AddSample(quotas, Spec(MetricId::kNamespaceQuotaBytes), static_cast<double>(ns.quota_bytes),
                  {ns.name});
      }
    }
    out.push_back(std::move(evictions));
    out.push_back(std::move(quotas));
  }

  static void CollectSizeBounds(const SizeBoundFigures& f,
                                std::vector<prometheus::MetricFamily>& out) {
    out.push_back(Single(MetricId::kEvictionChecks, static_cast<double>(f.checks)));
    out.push_back(Single(MetricId::kEvictionSeconds, f.work_seconds));
    out.push_back(Single(MetricId::kEvictionAssisted, static_cast<double>(f.assisted_evictions)));
    out.push_back(
        Single(MetricId::kEvictionThrottledWrites, static_cast<double>(f.throttled_writes)));
    out.push_back(Single(MetricId::kDiskUsedBytes, static_cast<double>(f.used_bytes)));
    out.push_back(Single(MetricId::kMaxDiskBytes, static_cast<double>(f.max_disk_bytes)));
  }

  static void CollectMaintenance(const MaintenanceReport& totals,
                                 std::vector<prometheus::MetricFamily>& out) {
    out.push_back(Single(MetricId::kMaintenanceRuns, static_cast<double>(totals.runs)));
    out.push_back(Single(MetricId::kCompactions, static_cast<double>(totals.namespaces_compacted)));
    out.push_back(
        Single(MetricId::kMaintenanceExpiredDropped, static_cast<double>(totals.expired_dropped)));
  }

  static void CollectHotCache(const HotCacheFigures& hot,
                              std::vector<prometheus::MetricFamily>& out) {
    out.push_back(Single(MetricId::kHotCacheHits, static_cast<double>(hot.hits)));
    out.push_back(Single(MetricId::kHotCacheMisses, static_cast<double>(hot.misses)));
    out.push_back(Single(MetricId::kHotCacheEvictions, static_cast<double>(hot.evictions)));
    out.push_back(Single(MetricId::kHotCacheBytes, static_cast<double>(hot.bytes)));
    out.push_back(Single(MetricId::kHotCacheEntries, static_cast<double>(hot.entries)));
    out.push_back(Single(MetricId::kHotCacheCapacity, static_cast<double>(hot.capacity_bytes)));
  }

  static void CollectWarmup(const WarmupFigures& warmup,
                            std::vector<prometheus::MetricFamily>& out) {
    out.push_back(Single(MetricId::kWarmupKeysLoaded, static_cast<double>(warmup.keys_loaded)));
    out.push_back(Single(MetricId::kWarmupDuration, warmup.seconds));
    out.push_back(Single(MetricId::kWarmupDone, warmup.state == "done" ? 1 : 0));
  }

  static void CollectHealth(const HealthReport& health,
                            std::vector<prometheus::MetricFamily>& out) {
    prometheus::MetricFamily status = EmptyFamily(MetricId::kHealthStatus);
    for (HealthStatus s : {HealthStatus::kHealthy, HealthStatus::kDegraded, HealthStatus::kError}) {
      AddSample(status, Spec(MetricId::kHealthStatus), health.status == s ? 1 : 0,
                {std::string(HealthStatusName(s))});
    }
    out.push_back(std::move(status));
    out.push_back(
        Single(MetricId::kStoreCheckFailures, static_cast<double>(health.background_errors)));
    if (health.free_disk_bytes) {
      out.push_back(Single(MetricId::kFreeDiskBytes, static_cast<double>(*health.free_disk_bytes)));
    }
    out.push_back(
        Single(MetricId::kMinFreeDiskBytes, static_cast<double>(health.min_free_disk_bytes)));
  }

  static void CollectInvalid(const std::vector<InvalidListCounts>& lists,
                             std::vector<prometheus::MetricFamily>& out) {
    prometheus::MetricFamily records = EmptyFamily(MetricId::kInvalidRecords);
    prometheus::MetricFamily lookups = EmptyFamily(MetricId::kInvalidLookups);
    for (const InvalidListCounts& list : lists) {
      AddSample(records, Spec(MetricId::kInvalidRecords), static_cast<double>(list.records),
                {list.list});
      for (const auto& [result, count] : list.lookups_by_result) {
        AddSample(lookups, Spec(MetricId::kInvalidLookups), static_cast<double>(count),
                  {list.list, result});
      }
    }
    out.push_back(std::move(records));
    out.push_back(std::move(lookups));
  }

  mutable std::mutex mutex_;
  MetricsProviders providers_;
  // Failed calls by provider name, since start; guarded by mutex_.
  mutable std::map<std::string, uint64_t> provider_errors_;
};

struct Metrics::Families {
  prometheus::Family<prometheus::Counter>* requests;
  prometheus::Family<prometheus::Histogram>* duration;
  prometheus::Family<prometheus::Counter>* hits;
  prometheus::Family<prometheus::Counter>* misses;
  prometheus::Family<prometheus::Counter>* leases;
};

Metrics::Metrics(const Clock& clock, MetricsOptions options)
    : options_(std::move(options)),
      id_(next_metrics_id.fetch_add(1)),
      hit_history_(clock),
      registry_(std::make_unique<prometheus::Registry>()),
      collector_(std::make_unique<ScrapeCollector>()),
      families_(std::make_unique<Families>()) {
  prometheus::Registry& r = *registry_;
  families_->requests = &Register<prometheus::Counter>(r, MetricId::kHttpRequests);
  families_->duration = &Register<prometheus::Histogram>(r, MetricId::kHttpRequestDuration);
  families_->hits = &Register<prometheus::Counter>(r, MetricId::kCacheHits);
  families_->misses = &Register<prometheus::Counter>(r, MetricId::kCacheMisses);
  families_->leases = &Register<prometheus::Counter>(r, MetricId::kCacheLeaseEvents);
  Register<prometheus::Gauge>(r, MetricId::kProcessStartTime)
      .Add({})
      .Set(static_cast<double>(clock.NowMillis()) / 1000.0);
  const std::string version = options_.version.empty() ? APICACHED_VERSION : options_.version;
  Register<prometheus::Gauge>(r, MetricId::kBuildInfo).Add({{"version", version}}).Set(1);
  auto& tls = Register<prometheus::Counter>(r, MetricId::kTlsHandshakes);
  for (size_t p = 0; p < std::size(kTlsProtocols); ++p) {
    for (size_t res = 0; res < std::size(kTlsResults); ++res) {
      tls_series_[p][res] = &tls.Add(
          {{"protocol", std::string(kTlsProtocols[p])}, {"result", std::string(kTlsResults[res])}});
    }
  }
}

void Metrics::OnTlsHandshake(std::string_view protocol, std::string_view result) {
  auto index = [](const auto& names, std::string_view name, size_t otherwise) {
    for (size_t i = 0; i < std::size(names); ++i) {
      if (names[i] == name) return i;
    }
    return otherwise;
  };
  tls_series_[index(kTlsProtocols, protocol, 0)][index(kTlsResults, result, 1)]->Increment();
}

Metrics::~Metrics() = default;

void Metrics::SetProviders(MetricsProviders providers) {
  collector_->SetProviders(std::move(providers));
}

const Metrics::RequestSeries& Metrics::RequestSeriesFor(std::string_view route,
                                                        std::string_view method, int status) {
  if (route.empty()) route = "unmatched";
  method = NormalizeMethod(method);
  const std::string status_text = std::to_string(status);
  std::string key;
  key.reserve(route.size() + method.size() + status_text.size() + 2);
  key.append(route).append(1, ' ').append(method).append(1, ' ').append(status_text);
  {
    std::shared_lock lock(series_mutex_);
    auto it = request_series_.find(key);
    if (it != request_series_.end()) return it->second;
  }
  std::unique_lock lock(series_mutex_);
  auto it = request_series_.find(key);
  if (it != request_series_.end()) return it->second;
  const std::string route_label(route);
  const std::string method_label(method);
  RequestSeries series{
      &families_->requests->Add(
          {{"route", route_label}, {"method", method_label}, {"status", status_text}}),
      &families_->duration->Add({{"route", route_label}, {"method", method_label}},
                                prometheus::Histogram::BucketBoundaries(kDurationBuckets.begin(),
                                                                        kDurationBuckets.end())),
  };
  return request_series_.emplace(std::move(key), series).first->second;
}

void Metrics::OnRequest(std::string_view route, std::string_view method, int status,
                        double seconds) {
  const RequestSeries& series = RequestSeriesFor(route, method, status);
  series.requests->Increment();
  series.duration->Observe(seconds);
}

// Series are kept by "<protocol> <namespace>" (a protocol name has no space).
const Metrics::LookupSeries& Metrics::LookupSeriesFor(std::string_view ns,
                                                      std::string_view protocol) {
  // The series a thread last counted on: series are never removed while the Metrics lives, so
  // a run of lookups on one namespace skips the key, the lock and the search. Ids are never
  // reused (a new Metrics may take a dead one's address).
  struct Last {
    uint64_t metrics = 0;
    std::string protocol;
    std::string ns;
    const LookupSeries* series = nullptr;
  };
  thread_local Last last;
  if (last.metrics == id_ && last.ns == ns && last.protocol == protocol) return *last.series;
  const LookupSeries& found = FindLookupSeries(ns, protocol);
  last.metrics = id_;
  last.protocol.assign(protocol);
  last.ns.assign(ns);
  last.series = &found;
  return found;
}

const Metrics::LookupSeries& Metrics::FindLookupSeries(std::string_view ns,
                                                       std::string_view protocol) {
  std::string key;
  key.reserve(protocol.size() + 1 + ns.size());
  key.append(protocol).append(1, ' ').append(ns);
  {
    std::shared_lock lock(series_mutex_);
    auto it = lookup_series_.find(key);
    if (it != lookup_series_.end()) return it->second;
  }
  std::unique_lock lock(series_mutex_);
  if (lookup_series_.size() >= options_.max_lookup_namespaces && !lookup_series_.contains(key)) {
    ns = kOtherNamespace;
    key.resize(protocol.size() + 1);
    key.append(ns);
  }
  auto it = lookup_series_.find(key);
  if (it != lookup_series_.end()) return it->second;
  const std::map<std::string, std::string> labels = {{"cache_namespace", std::string(ns)},
                                                     {"protocol", std::string(protocol)}};
  LookupSeries series{&families_->hits->Add(labels), &families_->misses->Add(labels)};
  return lookup_series_.emplace(std::move(key), series).first->second;
}

void Metrics::OnLeaseEvent(std::string_view ns, std::string_view event, std::string_view protocol) {
  std::string key;
  key.append(protocol).push_back('\0');
  key.append(event).push_back('\0');
  key.append(ns);
  prometheus::Counter* counter = nullptr;
  {
    std::shared_lock lock(series_mutex_);
    auto it = lease_series_.find(key);
    if (it != lease_series_.end()) counter = it->second;
  }
  if (counter == nullptr) {
    std::unique_lock lock(series_mutex_);
    const size_t cap = options_.max_lookup_namespaces * cache::kLeaseEventCount;
    if (lease_series_.size() >= cap && !lease_series_.contains(key)) {
      ns = kOtherNamespace;
      key.resize(protocol.size() + 1 + event.size() + 1);
      key.append(ns);
    }
    auto it = lease_series_.find(key);
    if (it == lease_series_.end()) {
      const std::map<std::string, std::string> labels = {{"cache_namespace", std::string(ns)},
                                                         {"protocol", std::string(protocol)},
                                                         {"event", std::string(event)}};
      it = lease_series_.emplace(std::move(key), &families_->leases->Add(labels)).first;
    }
    counter = it->second;
  }
  counter->Increment();
}

void Metrics::OnLookup(std::string_view ns, uint64_t hits, uint64_t misses,
                       std::string_view protocol) {
  const LookupSeries& series = LookupSeriesFor(ns, protocol);
  if (hits > 0) series.hits->Increment(static_cast<double>(hits));
  if (misses > 0) series.misses->Increment(static_cast<double>(misses));
  hit_history_.Record(hits, misses);
}

std::string Metrics::Serialize() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  std::vector<prometheus::MetricFamily> pulled = collector_->Collect();
  families.insert(families.end(), std::make_move_iterator(pulled.begin()),
                  std::make_move_iterator(pulled.end()));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace apicached
