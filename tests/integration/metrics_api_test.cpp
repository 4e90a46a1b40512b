// The real apicached binary: statistics, /metrics and health move with requests, statistics
// survive a restart, promtool accepts a live scrape.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/metrics/promtool.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json GetJson(HttpClient& client, const std::string& target, unsigned expected_status = 200) {
  HttpResponse res = client.Get(target);
  EXPECT_EQ(res.result_int(), expected_status) << target << ": " << res.body();
  return json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
}

// The seed's worked example: a set, a hit and a miss.
void SetHitMiss(HttpClient& client, const std::string& ns) {
  ASSERT_EQ(client.Put("/v1/cache/" + ns + "/key1", "value1").result_int(), 201);
  ASSERT_EQ(client.Get("/v1/cache/" + ns + "/key1").result_int(), 200);
  ASSERT_EQ(client.Get("/v1/cache/" + ns + "/key2").result_int(), 404);
}

TEST(MetricsApiTest, TheSeedWorkedExampleMovesStatsAndMetrics) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient client(daemon.port());
  SetHitMiss(client, "default");
  ASSERT_EQ(client.Get("/v1/cache/other/nothing").result_int(), 404);

  const json stats = GetJson(client, "/v1/stats");
  EXPECT_EQ(stats["hits"], 1);
  EXPECT_EQ(stats["misses"], 2);
  EXPECT_EQ(stats["service_breakdown"]["default"]["hits"], 1);
  EXPECT_EQ(stats["service_breakdown"]["default"]["misses"], 1);
  EXPECT_EQ(stats["service_breakdown"]["default"]["hit_rate"], 50.0);
  EXPECT_EQ(stats["service_breakdown"]["other"]["hits"], 0);
  EXPECT_EQ(stats["service_breakdown"]["other"]["misses"], 1);
  EXPECT_GE(stats["total_keys"], 1);
  EXPECT_TRUE(stats["timestamp"].is_string());

  HttpResponse metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.result_int(), 200);
  EXPECT_EQ(metrics[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body();
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"default\",protocol=\"http\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_misses_total{cache_namespace=\"default\",protocol=\"http\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_misses_total{cache_namespace=\"other\",protocol=\"http\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"PUT\",route=\"/v1/cache/"
                              "{ns}/{key}\",status=\"201\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_namespace_keys{cache_namespace=\"default\"}"));
  EXPECT_THAT(text, HasSubstr("apicached_build_info{version="));
  EXPECT_THAT(text, HasSubstr("process_start_time_seconds "));

  const json health = GetJson(client, "/v1/health");
  // degraded only when the test machine's disk is nearly full (free_disk_ok false)
  EXPECT_EQ(health["status"], health["checks"]["free_disk_ok"] ? "healthy" : "degraded")
      << health.dump();
  EXPECT_EQ(health["backend"], "rocksdb");
  EXPECT_EQ(health["connection"], "OK");
  EXPECT_GT(health["avg_response_time"].get<double>(), 0.0);
  EXPECT_TRUE(health["uptime"].is_number_integer());
  EXPECT_EQ(health["checks"]["store_writable"], true);

  EXPECT_EQ(client.Delete("/v1/stats").result_int(), 204);
  EXPECT_EQ(GetJson(client, "/v1/stats")["hits"], 0);
  EXPECT_EQ(GetJson(client, "/v1/stats?date=2026-02-30", 400)["status"], 400);
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
}

TEST(MetricsApiTest, StatisticsSurviveARestart) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  {
    HttpClient client(daemon.port());
    SetHitMiss(client, "migo");
    ASSERT_EQ(client.Get("/v1/cache/migo/key1").result_int(), 200);
  }
  ASSERT_TRUE(daemon.Restart()) << daemon.output();
  HttpClient client(daemon.port());
  json stats = GetJson(client, "/v1/stats");
  EXPECT_EQ(stats["hits"], 2) << stats.dump();
  EXPECT_EQ(stats["misses"], 1);
  EXPECT_EQ(stats["hit_rate"], 66.7);
  // The day's figures are also there by date, and keep adding up after the restart.
  ASSERT_EQ(client.Get("/v1/cache/migo/key1").result_int(), 200);
  const std::string today = stats["date"];
  stats = GetJson(client, "/v1/stats?date=" + today);
  EXPECT_EQ(stats["hits"], 3);
  // Prometheus counters start again from zero in a new process, as they should.
  EXPECT_THAT(
      client.Get("/metrics").body(),
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"http\"} 1\n"));
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
}

// --min-free-disk-bytes above any real disk: health is "degraded" (still 200) and says why.
TEST(MetricsApiTest, HealthIsDegradedBelowTheFreeDiskThreshold) {
  DaemonOptions options;
  options.args = {"--min-free-disk-bytes", "1125899906842624"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient client(daemon.port());
  const json health = GetJson(client, "/v1/health");
  EXPECT_EQ(health["status"], "degraded") << health.dump();
  EXPECT_EQ(health["checks"]["free_disk_ok"], false) << health.dump();
  EXPECT_EQ(health["checks"]["min_free_disk_bytes"], 1125899906842624ull) << health.dump();
  EXPECT_EQ(health["checks"]["store_writable"], true) << health.dump();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
}

TEST(MetricsApiTest, PromtoolAcceptsALiveScrape) {
  const std::optional<std::string> promtool = FindPromtool();
  if (!promtool) {
    GTEST_SKIP() << "\n*** promtool is NOT INSTALLED: the live scrape was NOT checked. ***\n"
                 << "*** Install the Debian package `prometheus` (CI must).          ***";
  }
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient client(daemon.port());
  SetHitMiss(client, "migo");
  ASSERT_EQ(client.Get("/v1/nowhere").result_int(), 404);
  ASSERT_EQ(client.Get("/v1/health").result_int(), 200);
  HttpResponse metrics = client.Get("/metrics");
  ASSERT_EQ(metrics.result_int(), 200);
  TempDir dir;
  const PromtoolResult result = PromtoolCheckMetrics(*promtool, dir.path(), metrics.body());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "") << metrics.body();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
}

}  // namespace
}  // namespace apicached::testing
