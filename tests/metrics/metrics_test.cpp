// The metric table, the text exposition and promtool's opinion of it.
#include "metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/metrics/promtool.h"
#include "tests/metrics/store_fixture.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Providers with every kind of pulled figure, so that every family has samples.
MetricsProviders FullProviders() {
  MetricsProviders providers;
  providers.namespaces = []() -> Result<std::vector<NamespaceFigures>> {
    return std::vector<NamespaceFigures>{
        {.name = "migo",
         .approx_live_keys = 42,
         .disk_bytes = 4096,
         .expired_dropped = 3,
         .expired_reads = 2,
         .compactions = 5,
         .default_ttl_seconds = 3600,
         .quota_bytes = 8192,
         .used_bytes = 5000,
         .evicted_quota = 11,
         .evicted_disk = 1,
         .evicted_expired = 4},
        {.name = "nubefact", .approx_live_keys = 7, .default_ttl_seconds = 86400},
    };
  };
  providers.maintenance = [] {
    return MaintenanceReport{
        .runs = 2, .namespaces_checked = 4, .namespaces_compacted = 1, .expired_dropped = 3};
  };
  providers.hot_cache = [] {
    return HotCacheFigures{.hits = 10,
                           .misses = 4,
                           .evictions = 1,
                           .bytes = 2048,
                           .entries = 12,
                           .capacity_bytes = 1 << 20};
  };
  providers.warmup = [] {
    return WarmupFigures{.state = "done", .keys_loaded = 12, .seconds = 0.25, .error = ""};
  };
  providers.invalid_lists = []() -> Result<std::vector<InvalidListCounts>> {
    return std::vector<InvalidListCounts>{
        {.list = "ruc", .records = 5, .lookups_by_result = {{"found", 3}, {"missed", 9}}}};
  };
  providers.health = [] {
    HealthReport report;
    report.status = HealthStatus::kDegraded;
    report.background_errors = 2;
    report.free_disk_bytes = 500;
    report.min_free_disk_bytes = 1000;
    return report;
  };
  providers.size_bounds = [] {
    return SizeBoundFigures{.max_disk_bytes = 1 << 30,
                            .min_free_disk_bytes = 1000,
                            .used_bytes = 5000,
                            .checks = 9,
                            .work_seconds = 1.5,
                            .behind = ""};
  };
  providers.lease_waiters = [] { return uint64_t{6}; };
  return providers;
}

class MetricsTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  Metrics metrics_{clock_, MetricsOptions{.version = "1.2.3", .max_lookup_namespaces = 3}};
};

TEST(MetricSpecTest, NamesAreUniqueAndFollowPrometheusConventions) {
  std::set<std::string_view> names;
  for (const MetricSpec& spec : AllMetrics()) {
    SCOPED_TRACE(spec.name);
    EXPECT_TRUE(names.insert(spec.name).second) << "declared twice";
    EXPECT_TRUE(spec.name.starts_with("apicached_") || spec.name.starts_with("process_"));
    EXPECT_FALSE(spec.help.empty());
    EXPECT_EQ(spec.type == "counter", spec.name.ends_with("_total"));
    if (spec.type == "histogram") {
      EXPECT_TRUE(spec.name.ends_with("_seconds"));
    }
    for (std::string_view label : spec.labels) {
      EXPECT_NE(label, "namespace") << "use cache_namespace";
      EXPECT_NE(label, "key") << "never a label per key";
    }
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(MetricId::kCount));
  EXPECT_EQ(Spec(MetricId::kCacheHits).name, "apicached_cache_hits_total");
  EXPECT_EQ(Spec(MetricId::kBuildInfo).name, "apicached_build_info");
}

TEST(MetricSpecTest, DurationBucketsRiseFromSubMillisecondToSeconds) {
  std::span<const double> buckets = RequestDurationBuckets();
  ASSERT_GE(buckets.size(), 10u);
  EXPECT_LT(buckets.front(), 0.001);
  EXPECT_GE(buckets.back(), 5.0);
  for (size_t i = 1; i < buckets.size(); ++i) EXPECT_LT(buckets[i - 1], buckets[i]);
}

TEST_F(MetricsTest, BuildInfoAndStartTimeAreThereFromTheStart) {
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_build_info{version=\"1.2.3\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("process_start_time_seconds 1767225600\n"));
  // A family without series yet is left out rather than shown empty.
  EXPECT_THAT(text, Not(HasSubstr("apicached_http_requests_total")));
}

TEST_F(MetricsTest, RequestsAreCountedByRouteMethodAndStatus) {
  metrics_.OnRequest("/v1/cache/{ns}/{key}", "GET", 200, 0.0003);
  metrics_.OnRequest("/v1/cache/{ns}/{key}", "GET", 200, 0.0004);
  metrics_.OnRequest("/v1/cache/{ns}/{key}", "GET", 404, 0.0002);
  metrics_.OnRequest("/v1/cache/{ns}/{key}", "PUT", 201, 0.002);
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"GET\",route=\"/v1/cache/"
                              "{ns}/{key}\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"GET\",route=\"/v1/cache/"
                              "{ns}/{key}\",status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"PUT\",route=\"/v1/cache/"
                              "{ns}/{key}\",status=\"201\"} 1\n"));
  // The histogram has no status label: three GETs together.
  EXPECT_THAT(text, HasSubstr("apicached_http_request_duration_seconds_count{method=\"GET\","
                              "route=\"/v1/cache/{ns}/{key}\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_request_duration_seconds_bucket{method=\"GET\","
                              "route=\"/v1/cache/{ns}/{key}\",le=\"0.0005\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_request_duration_seconds_bucket{method=\"GET\","
                              "route=\"/v1/cache/{ns}/{key}\",le=\"0.00025\"} 1\n"));
}

TEST_F(MetricsTest, ClientChosenLabelValuesAreBounded) {
  metrics_.OnRequest("", "BREW", 400, 0.0001);
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"OTHER\",route=\"unmatched\","
                              "status=\"400\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("BREW")));
}

TEST_F(MetricsTest, AHitCountsForItsNamespaceOnly) {
  metrics_.OnLookup("migo", true);
  metrics_.OnLookup("migo", true);
  metrics_.OnLookup("nubefact", false);
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"http\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_misses_total{cache_namespace=\"migo\",protocol=\"http\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"nubefact\",protocol=\"http\"} 0\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "apicached_cache_misses_total{cache_namespace=\"nubefact\",protocol=\"http\"} 1\n"));
}

TEST_F(MetricsTest, LookupsPastTheNamespaceCapFoldIntoOther) {
  for (const char* ns : {"a", "b", "c", "d", "e"}) metrics_.OnLookup(ns, false);
  metrics_.OnLookup("a", true);  // known names keep their own series
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text,
              HasSubstr("apicached_cache_hits_total{cache_namespace=\"a\",protocol=\"http\"} 1\n"));
  EXPECT_THAT(
      text, HasSubstr("apicached_cache_misses_total{cache_namespace=\"c\",protocol=\"http\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_misses_total{cache_namespace=\"(other)\",protocol=\"http\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("cache_namespace=\"e\"")));
}

TEST_F(MetricsTest, MaintenanceTotalsArePulledAtScrapeTime) {
  EXPECT_THAT(metrics_.Serialize(), Not(HasSubstr("apicached_maintenance_runs_total")))
      << "no store, no maintenance series";
  MaintenanceReport totals{.runs = 2, .namespaces_compacted = 2, .expired_dropped = 9};
  MetricsProviders providers;
  providers.maintenance = [&totals] { return totals; };
  metrics_.SetProviders(providers);
  std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_maintenance_runs_total 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_compactions_total 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_maintenance_expired_dropped_total 9\n"));
  totals.runs = 3;  // e.g. the store's background thread ran once more
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("apicached_maintenance_runs_total 3\n"));
}

// The value of the sample series (name with its labels) in text, or -1 when absent.
double SampleValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

// A real store's expired-entry check and compactions, end to end into a scrape: these counters
// used to be pushed by nobody and stayed at 0.
using MetricsOnStoreTest = MetricsStoreTest;

TEST_F(MetricsOnStoreTest, AStoreMaintenanceRunShowsInTheScrape) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(store().Put("migo", "k" + std::to_string(i), std::string(100, 'x'), "", 10).ok());
  }
  Reopen();  // Close flushes: the entries are in a table file, where the check looks
  clock_.Advance(std::chrono::seconds(10));
  auto report = store().admin().RunMaintenance("");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->namespaces_compacted, 1u);
  Metrics metrics(clock_);
  MetricsProviders providers;
  providers.namespaces = [this] { return store().ListNamespaces(); };
  providers.maintenance = [this] { return store().admin().MaintenanceTotals(); };
  metrics.SetProviders(providers);
  const std::string text = metrics.Serialize();
  EXPECT_GE(SampleValue(text, "apicached_maintenance_runs_total"), 1) << text;
  EXPECT_GE(SampleValue(text, "apicached_compactions_total"), 1) << text;
  EXPECT_EQ(SampleValue(text, "apicached_maintenance_expired_dropped_total"), 500) << text;
  EXPECT_GT(SampleValue(text, "apicached_namespace_compactions_total{cache_namespace=\"migo\"}"), 0)
      << text;
}

TEST_F(MetricsTest, PulledFiguresAppearWithTheirLabels) {
  metrics_.SetProviders(FullProviders());
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_namespace_keys{cache_namespace=\"migo\"} 42\n"));
  EXPECT_THAT(text, HasSubstr("apicached_namespace_keys{cache_namespace=\"nubefact\"} 7\n"));
  EXPECT_THAT(text, HasSubstr("apicached_namespace_disk_bytes{cache_namespace=\"migo\"} 4096\n"));
  EXPECT_THAT(text,
              HasSubstr("apicached_expired_entries_dropped_total{cache_namespace=\"migo\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("apicached_cache_expired_reads_total{cache_namespace=\"migo\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("apicached_namespace_compactions_total{cache_namespace=\"migo\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE apicached_expired_entries_dropped_total counter\n"));
  EXPECT_THAT(text, HasSubstr("apicached_hot_cache_hits_total 10\n"));
  EXPECT_THAT(text, HasSubstr("apicached_hot_cache_capacity_bytes 1048576\n"));
  EXPECT_THAT(text, HasSubstr("apicached_warmup_keys_loaded 12\n"));
  EXPECT_THAT(text, HasSubstr("apicached_warmup_done 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_invalid_records{list=\"ruc\"} 5\n"));
  EXPECT_THAT(text,
              HasSubstr("apicached_invalid_lookups_total{list=\"ruc\",result=\"missed\"} 9\n"));
  EXPECT_THAT(text, HasSubstr("apicached_metrics_provider_errors_total{provider=\"store\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("apicached_health_status{status=\"healthy\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("apicached_health_status{status=\"degraded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_health_status{status=\"error\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("apicached_store_check_failures_total 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_free_disk_bytes 500\n"));
  EXPECT_THAT(text, HasSubstr("apicached_min_free_disk_bytes 1000\n"));
}

TEST_F(MetricsTest, ANamespaceSeriesVanishesWithTheNamespace) {
  auto names = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"a", "b"});
  MetricsProviders providers;
  providers.namespaces = [names]() -> Result<std::vector<NamespaceFigures>> {
    std::vector<NamespaceFigures> out;
    for (const std::string& name : *names) out.push_back({.name = name, .approx_live_keys = 1});
    return out;
  };
  metrics_.SetProviders(providers);
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("cache_namespace=\"b\""));
  names->pop_back();
  EXPECT_THAT(metrics_.Serialize(), Not(HasSubstr("cache_namespace=\"b\"")));
}

TEST_F(MetricsTest, FailingProvidersAreCountedNotHidden) {
  MetricsProviders providers;
  providers.namespaces = []() -> Result<std::vector<NamespaceFigures>> {
    return Status::Unavailable("closed");
  };
  providers.invalid_lists = []() -> Result<std::vector<InvalidListCounts>> {
    return Status::Unavailable("closed");
  };
  metrics_.SetProviders(providers);
  static_cast<void>(metrics_.Serialize());
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_metrics_provider_errors_total{provider=\"store\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("apicached_namespace_keys{")));
  EXPECT_THAT(text, HasSubstr("apicached_metrics_provider_errors_total{provider=\"invalid\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("apicached_invalid_records{")));
}

TEST_F(MetricsTest, WarmupNotDoneReadsZero) {
  MetricsProviders providers;
  providers.warmup = [] {
    WarmupFigures warmup;
    warmup.state = "running";
    return warmup;
  };
  metrics_.SetProviders(providers);
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("apicached_warmup_done 0\n"));
}

TEST_F(MetricsTest, SizeBoundsSeriesCarryTheEvictionFigures) {
  metrics_.SetProviders(FullProviders());
  const std::string text = metrics_.Serialize();
  for (const char* line :
       {"apicached_namespace_evictions_total{cache_namespace=\"migo\",reason=\"quota\"} 11\n",
        "apicached_namespace_evictions_total{cache_namespace=\"migo\",reason=\"disk\"} 1\n",
        "apicached_namespace_evictions_total{cache_namespace=\"migo\",reason=\"expired\"} 4\n",
        "apicached_namespace_used_bytes{cache_namespace=\"migo\"} 5000\n",
        "apicached_namespace_quota_bytes{cache_namespace=\"migo\"} 8192\n",
        "apicached_eviction_checks_total 9\n", "apicached_eviction_seconds_total 1.5\n",
        "apicached_disk_used_bytes 5000\n", "apicached_max_disk_bytes 1073741824\n"}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
  // Only namespaces with a quota have a quota series.
  EXPECT_THAT(text,
              Not(HasSubstr("apicached_namespace_quota_bytes{cache_namespace=\"nubefact\"}")));
}

TEST_F(MetricsTest, LeaseWaitersIsTheProvidersFigure) {
  EXPECT_THAT(metrics_.Serialize(), Not(HasSubstr("apicached_cache_lease_waiters")));
  metrics_.SetProviders(FullProviders());
  EXPECT_THAT(metrics_.Serialize(), HasSubstr("\napicached_cache_lease_waiters 6\n"));
}

TEST_F(MetricsTest, EveryDeclaredFamilyIsExported) {
  metrics_.SetProviders(FullProviders());
  metrics_.OnRequest("/v1/stats", "GET", 200, 0.001);
  metrics_.OnLookup("migo", true);
  metrics_.OnLeaseEvent("migo", "granted", "http");
  const std::string text = metrics_.Serialize();
  for (const MetricSpec& spec : AllMetrics()) {
    EXPECT_THAT(
        text, HasSubstr("# TYPE " + std::string(spec.name) + " " + std::string(spec.type) + "\n"));
  }
}

TEST_F(MetricsTest, LeaseEventsAreCountedPerNamespaceProtocolAndEvent) {
  metrics_.OnLeaseEvent("migo", "granted", "http");
  metrics_.OnLeaseEvent("migo", "granted", "http");
  metrics_.OnLeaseEvent("migo", "coalesced", "memcached");
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_cache_lease_events_total{cache_namespace=\"migo\","
                              "event=\"granted\",protocol=\"http\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_cache_lease_events_total{cache_namespace=\"migo\","
                              "event=\"coalesced\",protocol=\"memcached\"} 1\n"));
}

TEST_F(MetricsTest, TlsHandshakesAreCountedPerProtocolAndResult) {
  metrics_.OnTlsHandshake("redis", "timed_out");
  metrics_.OnTlsHandshake("redis", "timed_out");
  metrics_.OnTlsHandshake("memcached", "ok");
  metrics_.OnTlsHandshake("gopher", "strange");  // bounded labels: http, failed
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(text, HasSubstr("apicached_tls_handshakes_total{protocol=\"redis\","
                              "result=\"timed_out\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("apicached_tls_handshakes_total{protocol=\"memcached\","
                              "result=\"ok\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_tls_handshakes_total{protocol=\"http\","
                              "result=\"failed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_tls_handshakes_total{protocol=\"http\","
                              "result=\"ok\"} 0\n"));
}

TEST_F(MetricsTest, DocsDescribeEveryMetric) {
  std::ifstream doc(std::string(APICACHED_SOURCE_DIR) + "/docs/metrics.md");
  ASSERT_TRUE(doc.good()) << "docs/metrics.md is missing";
  std::stringstream text;
  text << doc.rdbuf();
  for (const MetricSpec& spec : AllMetrics()) {
    EXPECT_THAT(text.str(), HasSubstr("`" + std::string(spec.name) + "`"));
  }
}

TEST_F(MetricsTest, PromtoolFindsNothingToComplainAbout) {
  const std::optional<std::string> promtool = FindPromtool();
  if (!promtool) {
    GTEST_SKIP() << "\n*** promtool is NOT INSTALLED: the exposition was NOT checked. ***\n"
                 << "*** Install the Debian package `prometheus` (CI must).           ***";
  }
  metrics_.SetProviders(FullProviders());
  metrics_.OnRequest("/v1/cache/{ns}/{key}", "GET", 200, 0.0003);
  metrics_.OnRequest("", "BREW", 405, 0.0001);
  metrics_.OnLookup("migo", true);
  metrics_.OnLookup("nubefact", false);
  TempDir dir;
  const PromtoolResult result = PromtoolCheckMetrics(*promtool, dir.path(), metrics_.Serialize());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "");
}

TEST_F(MetricsTest, ConcurrentRecordingLosesNothing) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 2000; ++i) {
        metrics_.OnLookup(i % 2 == 0 ? "even" : "odd", true);
        metrics_.OnRequest("/r" + std::to_string(i % 3), "GET", 200 + t, 0.001);
      }
    });
  }
  for (int i = 0; i < 20; ++i) static_cast<void>(metrics_.Serialize());
  for (std::thread& thread : threads) thread.join();
  const std::string text = metrics_.Serialize();
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"even\",protocol=\"http\"} 4000\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"odd\",protocol=\"http\"} 4000\n"));
}

}  // namespace
}  // namespace apicached::testing
