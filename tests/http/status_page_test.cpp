// The status page: escaping, rendering (pure) and the route through the Router on a real store.
#include "http/status_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/cache_api.h"
#include "http/stats_api.h"
#include "metrics/lookup_recorder.h"
#include "tests/metrics/store_fixture.h"

namespace apicached::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace bhttp = boost::beast::http;

TEST(HtmlEscapeTest, EscapesMarkupQuotesAndEveryNonPrintableByte) {
  EXPECT_EQ(HtmlEscape("migo_1-x"), "migo_1-x");
  EXPECT_EQ(HtmlEscape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
  EXPECT_EQ(HtmlEscape(std::string("a\0b\n\x7f", 5)), "a\\x00b\\x0A\\x7F");
  EXPECT_EQ(HtmlEscape("caf\xC3\xA9\\"), "caf\\xC3\\xA9\\\\");
}

StatusPageData SampleData() {
  StatusPageData data;
  data.version = "1.2.3";
  data.generated_at = "2026-01-01 00:00:00";
  data.health.uptime_seconds = 90061;  // 1 d 01:01:01
  data.health.free_disk_bytes = 5ull << 30;
  data.health.min_free_disk_bytes = 1ull << 30;
  data.namespaces.push_back({.name = "<img src=x onerror=alert(1)>", .approx_live_keys = 7});
  data.namespaces.push_back({.name = "migo", .approx_live_keys = 200, .disk_bytes = 3 << 20});
  data.today.date = "2026-01-01";
  data.today.hits = 900;
  data.today.misses = 100;
  data.today.namespaces["migo"] = {.hits = 900, .misses = 100, .keys = 200};
  for (int i = 0; i < 60; ++i) {
    data.last_hour.push_back(
        {.minute_start_ms = i * 60'000, .hits = i < 50 ? 0u : 9u, .misses = i < 50 ? 0u : 1u});
  }
  data.invalid_lists.push_back(
      {.list = "ruc\"><b>", .records = 3, .lookups_by_result = {{"found", 4}, {"missed", 5}}});
  return data;
}

TEST(RenderStatusPageTest, NamesFromTheStoreNeverBecomeMarkup) {
  const std::string page = RenderStatusPage(SampleData());
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("<b>")));
  EXPECT_THAT(page, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(page, HasSubstr("ruc&quot;&gt;&lt;b&gt;"));
}

TEST(RenderStatusPageTest, ShowsTablesFiguresAndTheChart) {
  const std::string page = RenderStatusPage(SampleData());
  EXPECT_THAT(page, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(page, HasSubstr("<title>apicached status: healthy</title>"));
  EXPECT_THAT(page, HasSubstr("1 d 01:01:01"));
  EXPECT_THAT(page, HasSubstr("<code>migo</code></th><td>200</td><td>3.0 MiB</td><td>900</td>"
                              "<td>100</td><td>90.0 %</td>"));
  EXPECT_THAT(page, HasSubstr("role=\"img\" aria-labelledby=\"chart-title chart-desc\""));
  EXPECT_THAT(page, HasSubstr("Last hour: 90 hits, 10 misses, hit rate 90.0 %"));
  // One bar per minute with lookups: the last ten.
  size_t bars = 0;
  for (size_t at = page.find("class=\"bar\""); at != std::string::npos;
       at = page.find("class=\"bar\"", at + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 10u);
  EXPECT_THAT(page, HasSubstr("<td>3</td><td>4</td><td>5</td>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
}

TEST(RenderStatusPageTest, ASourceErrorIsShownEscapedInsteadOfItsFigures) {
  StatusPageData data = SampleData();
  data.namespaces.clear();
  data.namespaces_error = "Unavailable: disk <gone>";
  data.health.status = HealthStatus::kError;
  data.health.connection = "IO error: <x>";
  const std::string page = RenderStatusPage(data);
  EXPECT_THAT(page, HasSubstr("Namespaces unavailable: Unavailable: disk &lt;gone&gt;"));
  EXPECT_THAT(page, HasSubstr("<strong class=\"status-error\">error</strong>"));
  EXPECT_THAT(page, HasSubstr("IO error: &lt;x&gt;"));
}

class StatusPageRouteTest : public testing::MetricsStoreTest {
 protected:
  void SetUp() override {
    MetricsStoreTest::SetUp();
    metrics_ = std::make_unique<Metrics>(clock_);
    stats_ =
        std::make_unique<StatsBook>(store(), clock_, StatsBookOptions{.flush_period_seconds = 0});
    health_ = std::make_unique<HealthChecker>(
        store().admin(), clock_, HealthOptions{.data_dir = dir_.path(), .min_free_disk_bytes = 0});
    recorder_ = std::make_unique<LookupRecorder>(*metrics_, *stats_);
    cache_ = std::make_unique<cache::CacheService>(store(), clock_, cache::CacheServiceOptions{},
                                                   recorder_.get());
    AddCacheRoutes(router_, *cache_, CacheApiOptions{});
    AddStatusPageRoute(router_, {.health = *health_,
                                 .stats = *stats_,
                                 .metrics = *metrics_,
                                 .clock = clock_,
                                 .namespaces = [this] { return store().ListNamespaces(); },
                                 .invalid_lists = {},
                                 .version = "test"});
  }
  void TearDown() override {
    cache_.reset();
    recorder_.reset();
    health_.reset();
    stats_.reset();
    metrics_.reset();
  }
  // A request without a body, or a PUT of `value`.
  Routed Call(Verb verb, const std::string& target, std::string_view value = {}) {
    Request req{verb, target, 11};
    req.body() = value;
    if (verb == Verb::put) req.prepare_payload();
    return router_.Handle(req);
  }

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<StatsBook> stats_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<LookupRecorder> recorder_;
  std::unique_ptr<cache::CacheService> cache_;
  Router router_;
};

TEST_F(StatusPageRouteTest, ServesHtmlWithAStrictPolicyAndTheLookupsOfThisMinute) {
  ASSERT_EQ(Call(Verb::put, "/v1/cache/migo/k", "v").response.result_int(), 201);
  ASSERT_EQ(Call(Verb::get, "/v1/cache/migo/k").response.result_int(), 200);
  ASSERT_EQ(Call(Verb::get, "/v1/cache/migo/absent").response.result_int(), 404);
  const Routed routed = Call(Verb::get, "/status");
  const Response& res = routed.response;
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(routed.route, "/status");
  EXPECT_EQ(res[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(res["Content-Security-Policy"], kStatusPageCsp);
  EXPECT_EQ(res[bhttp::field::cache_control], "no-store");
  EXPECT_THAT(res.body(), HasSubstr("<code>migo</code>"));
  EXPECT_THAT(res.body(), HasSubstr("Last hour: 1 hits, 1 misses, hit rate 50.0 %"));
  EXPECT_THAT(res.body(), HasSubstr("No list."));
}

}  // namespace
}  // namespace apicached::http
