// The observability routes through the Router (no sockets), and the hit/miss hook of the cache
// routes feeding them.
#include "http/stats_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "http/cache_api.h"
#include "metrics/lookup_recorder.h"
#include "tests/metrics/store_fixture.h"

namespace apicached::http {
namespace {

using ::testing::HasSubstr;
namespace bhttp = boost::beast::http;

class StatsApiTest : public testing::MetricsStoreTest {
 protected:
  void SetUp() override {
    MetricsStoreTest::SetUp();
    metrics_ = std::make_unique<Metrics>(
        clock_, MetricsOptions{.version = "test", .max_lookup_namespaces = 512});
    stats_ = std::make_unique<StatsBook>(
        store(), clock_,
        StatsBookOptions{
            .retention_days = 30, .flush_period_seconds = 0, .max_namespaces_per_day = 1024});
    health_ = std::make_unique<HealthChecker>(
        store().admin(), clock_, HealthOptions{.data_dir = dir_.path(), .min_free_disk_bytes = 0});
    AddStatsRoutes(router_, *metrics_, *stats_, *health_);
    recorder_ = std::make_unique<LookupRecorder>(*metrics_, *stats_);
    cache_ = std::make_unique<cache::CacheService>(store(), clock_, cache::CacheServiceOptions{},
                                                   recorder_.get());
    AddCacheRoutes(router_, *cache_, CacheApiOptions{});
  }

  // Destroyed before the fixture's store: the StatsBook flushes into it on the way out.
  void TearDown() override {
    cache_.reset();
    recorder_.reset();
    health_.reset();
    stats_.reset();
    metrics_.reset();
  }

  Routed Call(Verb verb, const std::string& target, std::string body = "") {
    Request req{verb, target, 11};
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = std::move(body);
      req.prepare_payload();
    }
    return router_.Handle(req);
  }

  nlohmann::json Json(const Routed& routed) {
    return nlohmann::json::parse(routed.response.body());
  }

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<StatsBook> stats_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<LookupRecorder> recorder_;
  std::unique_ptr<cache::CacheService> cache_;
  Router router_;
};

TEST_F(StatsApiTest, TheSeedWorkedExampleOverHttp) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/default/key1", "value1").response.result_int(), 201u);
  EXPECT_EQ(Call(Verb::get, "/v1/cache/default/key1").response.result_int(), 200u);
  EXPECT_EQ(Call(Verb::get, "/v1/cache/default/key2").response.result_int(), 404u);
  Routed stats = Call(Verb::get, "/v1/stats");
  ASSERT_EQ(stats.response.result_int(), 200u);
  EXPECT_EQ(stats.response[bhttp::field::content_type], "application/json");
  EXPECT_EQ(stats.route, "/v1/stats");
  const nlohmann::json json = Json(stats);
  EXPECT_EQ(json["hits"], 1);
  EXPECT_EQ(json["misses"], 1);
  EXPECT_EQ(json["hit_rate"], 50.0);
  EXPECT_EQ(json["total_keys"], 1);
  EXPECT_EQ(json["service_breakdown"]["default"]["hits"], 1);
  EXPECT_EQ(json["timestamp"], "2026-01-01 00:00:00");
  EXPECT_THAT(stats.response.body(), HasSubstr("\"hit_rate\":50.0"));
}

TEST_F(StatsApiTest, HeadAndEachKeyOfMgetAreLookupsOfTheirNamespaceOnly) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/migo/a", "1").response.result_int(), 201u);
  ASSERT_EQ(Call(Verb::put, "/v1/cache/nubefact/b", "2").response.result_int(), 201u);
  EXPECT_EQ(Call(Verb::head, "/v1/cache/migo/a").response.result_int(), 200u);
  EXPECT_EQ(
      Call(Verb::post, "/v1/cache/migo/_mget", R"({"keys":["a","x","y"]})").response.result_int(),
      200u);
  const nlohmann::json json = Json(Call(Verb::get, "/v1/stats"));
  EXPECT_EQ(json["service_breakdown"]["migo"]["hits"], 2);
  EXPECT_EQ(json["service_breakdown"]["migo"]["misses"], 2);
  EXPECT_EQ(json["service_breakdown"]["nubefact"]["hits"], 0);
  EXPECT_EQ(json["service_breakdown"]["nubefact"]["misses"], 0);
  const std::string text = Call(Verb::get, "/metrics").response.body();
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"http\"} 2\n"));
  EXPECT_THAT(
      text,
      HasSubstr("apicached_cache_misses_total{cache_namespace=\"migo\",protocol=\"http\"} 2\n"));
  EXPECT_THAT(text,
              ::testing::Not(HasSubstr(
                  "apicached_cache_hits_total{cache_namespace=\"nubefact\",protocol=\"http\"}")));
}

TEST_F(StatsApiTest, WritesAndRefusedRequestsAreNoLookups) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/migo/a", "1").response.result_int(), 201u);
  EXPECT_EQ(Call(Verb::get, "/v1/cache/.stats/a").response.result_int(), 400u);
  EXPECT_EQ(Call(Verb::delete_, "/v1/cache/migo/a").response.result_int(), 204u);
  const nlohmann::json json = Json(Call(Verb::get, "/v1/stats"));
  EXPECT_EQ(json["hits"], 0);
  EXPECT_EQ(json["misses"], 0);
}

TEST_F(StatsApiTest, StatsOfADayByDate) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/migo/a", "1").response.result_int(), 201u);
  EXPECT_EQ(Call(Verb::get, "/v1/cache/migo/a").response.result_int(), 200u);
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(Call(Verb::get, "/v1/cache/migo/zz").response.result_int(), 404u);
  nlohmann::json yesterday = Json(Call(Verb::get, "/v1/stats?date=2026-01-01"));
  EXPECT_EQ(yesterday["hits"], 1);
  EXPECT_EQ(yesterday["misses"], 0);
  EXPECT_EQ(yesterday["date"], "2026-01-01");
  nlohmann::json today = Json(Call(Verb::get, "/v1/stats"));
  EXPECT_EQ(today["hits"], 0);
  EXPECT_EQ(today["misses"], 1);
  nlohmann::json empty = Json(Call(Verb::get, "/v1/stats?date=2020-05-05"));
  EXPECT_EQ(empty["hits"], 0);
  EXPECT_EQ(empty["hit_rate"], 0.0);
  EXPECT_TRUE(empty["service_breakdown"].empty());
}

TEST_F(StatsApiTest, ABadDateIs400Problem) {
  for (const char* target :
       {"/v1/stats?date=2026-02-30", "/v1/stats?date=yesterday", "/v1/stats?date="}) {
    Routed routed = Call(Verb::get, target);
    EXPECT_EQ(routed.response.result_int(), 400u) << target;
    EXPECT_EQ(routed.response[bhttp::field::content_type], "application/problem+json");
    EXPECT_THAT(routed.response.body(), HasSubstr("YYYY-MM-DD"));
  }
}

TEST_F(StatsApiTest, DeleteResetsTheStatistics) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/migo/a", "1").response.result_int(), 201u);
  EXPECT_EQ(Call(Verb::get, "/v1/cache/migo/a").response.result_int(), 200u);
  ASSERT_TRUE(stats_->Flush().ok());
  EXPECT_EQ(Call(Verb::get, "/v1/cache/migo/a").response.result_int(), 200u);
  EXPECT_EQ(Call(Verb::delete_, "/v1/stats").response.result_int(), 204u);
  const nlohmann::json json = Json(Call(Verb::get, "/v1/stats"));
  EXPECT_EQ(json["hits"], 0);
  EXPECT_EQ(json["total_keys"], 1);  // the cache itself is untouched
  // Prometheus counters stay monotonic.
  EXPECT_THAT(
      Call(Verb::get, "/metrics").response.body(),
      HasSubstr("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"http\"} 2\n"));
}

TEST_F(StatsApiTest, MetricsIsPrometheusText) {
  Routed routed = Call(Verb::get, "/metrics");
  EXPECT_EQ(routed.response.result_int(), 200u);
  EXPECT_EQ(routed.response[bhttp::field::content_type],
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(routed.response.body(), HasSubstr("apicached_build_info{version=\"test\"} 1\n"));
}

TEST_F(StatsApiTest, ObserverFeedsMetricsAndHealth) {
  MetricsRequestObserver observer(*metrics_, *health_);
  observer.OnRequest("/v1/cache/{ns}/{key}", Verb::get, 200, 0.004);
  observer.OnRequest(kUnmatchedRoute, Verb::unknown, 400, 0.001);
  const std::string text = Call(Verb::get, "/metrics").response.body();
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"GET\",route=\"/v1/cache/"
                              "{ns}/{key}\",status=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("apicached_http_requests_total{method=\"OTHER\",route=\"unmatched\","
                              "status=\"400\"} 1\n"));
  const nlohmann::json health = Json(Call(Verb::get, "/v1/health"));
  EXPECT_GT(health["avg_response_time"].get<double>(), 0.0);
}

TEST_F(StatsApiTest, HealthIs200WhenHealthyAnd503WithTheSameShapeOnError) {
  Routed ok = Call(Verb::get, "/v1/health");
  EXPECT_EQ(ok.response.result_int(), 200u);
  nlohmann::json json = Json(ok);
  EXPECT_EQ(json["status"], "healthy");
  EXPECT_EQ(json["backend"], "rocksdb");
  EXPECT_EQ(json["connection"], "OK");
  EXPECT_TRUE(json.contains("avg_response_time"));
  EXPECT_TRUE(json.contains("uptime"));
  EXPECT_TRUE(json["checks"].contains("store_writable"));

  ASSERT_TRUE(stats_->Stop().ok());
  ASSERT_TRUE(store().Close().ok());
  Routed error = Call(Verb::get, "/v1/health");
  EXPECT_EQ(error.response.result_int(), 503u);
  EXPECT_EQ(error.response[bhttp::field::content_type], "application/json");
  json = Json(error);
  EXPECT_EQ(json["status"], "error");
  EXPECT_NE(json["connection"], "OK");
  EXPECT_EQ(json["checks"]["store_writable"], false);
}

}  // namespace
}  // namespace apicached::http
