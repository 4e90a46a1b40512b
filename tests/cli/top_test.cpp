// apicachectl top: reading the metrics text and rendering a frame (pure functions).
#include "cli/top.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace apicached::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kMetrics =
    R"(# HELP apicached_cache_hits_total Cache lookups that found a live entry.
# TYPE apicached_cache_hits_total counter
apicached_cache_hits_total{cache_namespace="migo",protocol="http"} 80
apicached_cache_hits_total{cache_namespace="migo",protocol="memcached"} 10
apicached_cache_hits_total{cache_namespace="nubefact",protocol="http"} 5
apicached_cache_misses_total{cache_namespace="migo",protocol="http"} 10
apicached_cache_misses_total{cache_namespace="nubefact",protocol="http"} 5
apicached_namespace_keys{cache_namespace="migo"} 1200
apicached_namespace_disk_bytes{cache_namespace="migo"} 2097152
apicached_http_requests_total{route="/v1/cache/{ns}/{key}",method="GET",status="200"} 100
apicached_http_requests_total{route="/metrics",method="GET",status="200"} 3
apicached_health_status{status="healthy"} 1
apicached_health_status{status="error"} 0
apicached_hot_cache_bytes 12
)";

TEST(TopTest, ReadsTheFamiliesItShows) {
  Result<TopSample> s = ParseTopSample(kMetrics);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->namespaces.size(), 2u);
  EXPECT_EQ(s->namespaces.at("migo").hits, 90) << "the protocols of a namespace add up";
  EXPECT_EQ(s->namespaces.at("migo").misses, 10);
  EXPECT_EQ(s->namespaces.at("migo").keys, 1200);
  EXPECT_EQ(s->namespaces.at("migo").disk, 2097152);
  EXPECT_EQ(s->requests, 103);
  EXPECT_EQ(s->health, "healthy");
}

TEST(TopTest, ALineItCannotReadIsAnError) {
  EXPECT_FALSE(ParseTopSample("apicached_cache_hits_total{cache_namespace=\"migo} 1\n").ok());
  EXPECT_FALSE(ParseTopSample("apicached_cache_hits_total{cache_namespace=\"a\"} x\n").ok());
}

TEST(TopTest, FrameShowsRatesBetweenTwoReadingsBusiestFirst) {
  TopSample prev = *ParseTopSample(kMetrics);
  TopSample cur = prev;
  cur.namespaces["migo"].hits += 18;  // over 2 s: 9 hits/s, 1 miss/s
  cur.namespaces["migo"].misses += 2;
  cur.namespaces["nubefact"].misses += 40;  // 20 misses/s: the busiest
  cur.namespaces["new"].hits = 4;           // appeared between the readings
  cur.requests += 60;
  const std::string frame = RenderTopFrame(prev, cur, 2.0, "HEADER");
  EXPECT_THAT(frame, HasSubstr("HEADER\nhealth healthy   requests 30.0/s   lookups 32.0/s"));
  const size_t nubefact = frame.find("nubefact"), migo = frame.find("\nmigo"),
               fresh = frame.find("\nnew");
  ASSERT_NE(nubefact, std::string::npos);
  EXPECT_LT(nubefact, migo);
  EXPECT_LT(migo, fresh);
  EXPECT_THAT(frame, HasSubstr("migo                            10.0        9.0        1.0"
                               "    90.0 %         1200     2.0 MiB"));
  EXPECT_THAT(frame, HasSubstr("0.0 %"));  // nubefact: misses only
}

TEST(TopTest, ACounterResetCountsFromZeroAndNamesCannotEscapeTheTerminal) {
  TopSample prev, cur;
  prev.namespaces["a\x1b[2Jb"].hits = 100;
  cur.namespaces["a\x1b[2Jb"].hits = 10;  // restarted daemon
  const std::string frame = RenderTopFrame(prev, cur, 1.0, "");
  EXPECT_THAT(frame, HasSubstr("a?[2Jb"));
  EXPECT_THAT(frame, Not(HasSubstr("\x1b")));
  EXPECT_THAT(frame, HasSubstr("10.0"));
}

}  // namespace
}  // namespace apicached::cli
