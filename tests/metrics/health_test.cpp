// HealthChecker on a real store: healthy, degraded on low or unknown free disk or a failed
// warm-up, error (503) once the store cannot write.
#include "metrics/health.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "tests/metrics/store_fixture.h"

namespace apicached::testing {
namespace {

constexpr uint64_t kPlenty = 100ull << 30;

class HealthTest : public MetricsStoreTest {
 protected:
  // A checker whose free-disk reading is whatever free_disk_ holds.
  std::unique_ptr<HealthChecker> MakeChecker(uint64_t min_free = 1ull << 30) {
    return std::make_unique<HealthChecker>(
        store().admin(), clock_,
        HealthOptions{.data_dir = dir_.path(), .min_free_disk_bytes = min_free},
        [this](const std::string& path) -> Result<uint64_t> {
          EXPECT_EQ(path, dir_.path());
          return free_disk_;
        });
  }

  Result<uint64_t> free_disk_ = kPlenty;
};

TEST_F(HealthTest, HealthyWithTheSeedsFields) {
  auto checker = MakeChecker();
  HealthReport report = checker->Check();
  EXPECT_EQ(report.status, HealthStatus::kHealthy);
  EXPECT_EQ(report.http_status(), 200);
  const nlohmann::json json = nlohmann::json::parse(HealthReportToJson(report));
  EXPECT_EQ(json["status"], "healthy");
  EXPECT_EQ(json["backend"], "rocksdb");
  EXPECT_EQ(json["connection"], "OK");
  EXPECT_EQ(json["avg_response_time"], 0.0);
  EXPECT_EQ(json["uptime"], 0);
  EXPECT_EQ(json["checks"]["store_writable"], true);
  EXPECT_EQ(json["checks"]["background_errors"], 0);
  EXPECT_EQ(json["checks"]["free_disk_bytes"], kPlenty);
  EXPECT_EQ(json["checks"]["free_disk_ok"], true);
  EXPECT_EQ(json["checks"]["min_free_disk_bytes"], 1ull << 30);
  EXPECT_EQ(json["checks"]["warmup"]["state"], "off");
  EXPECT_EQ(json["checks"]["warmup"]["keys_loaded"], 0);
}

TEST_F(HealthTest, UptimeFollowsTheClock) {
  auto checker = MakeChecker();
  clock_.Advance(std::chrono::seconds(86'400));
  EXPECT_EQ(checker->Check().uptime_seconds, 86'400);
}

TEST_F(HealthTest, AverageResponseTimeIsAMovingAverageInMilliseconds) {
  auto checker = MakeChecker();
  checker->OnRequest(0.002);
  EXPECT_DOUBLE_EQ(checker->Check().avg_response_time_ms, 2.0);
  checker->OnRequest(0.012);
  EXPECT_DOUBLE_EQ(checker->Check().avg_response_time_ms,
                   2.0 + HealthChecker::kResponseTimeWeight * 10.0);
  const nlohmann::json json = nlohmann::json::parse(HealthReportToJson(checker->Check()));
  EXPECT_EQ(json["avg_response_time"], 2.5);
}

TEST_F(HealthTest, AClosedStoreIsAnErrorWith503) {
  auto checker = MakeChecker();
  ASSERT_TRUE(store().Close().ok());
  HealthReport report = checker->Check();
  EXPECT_EQ(report.status, HealthStatus::kError);
  EXPECT_EQ(report.http_status(), 503);
  EXPECT_FALSE(report.store_writable);
  EXPECT_NE(report.connection, "OK");
  EXPECT_FALSE(report.connection.empty());
  EXPECT_EQ(report.background_errors, 1u);
  EXPECT_EQ(checker->Check().background_errors, 2u);
  const nlohmann::json json = nlohmann::json::parse(HealthReportToJson(report));
  EXPECT_EQ(json["status"], "error");
  EXPECT_EQ(json["checks"]["store_writable"], false);
}

TEST_F(HealthTest, LowFreeDiskIsDegradedButStill200) {
  auto checker = MakeChecker(/*min_free=*/1000);
  free_disk_ = 999;
  HealthReport report = checker->Check();
  EXPECT_EQ(report.status, HealthStatus::kDegraded);
  EXPECT_EQ(report.http_status(), 200);
  EXPECT_FALSE(report.free_disk_ok);
  EXPECT_EQ(report.connection, "OK");
  free_disk_ = 1000;
  EXPECT_EQ(checker->Check().status, HealthStatus::kHealthy);
}

TEST_F(HealthTest, UnknownFreeDiskIsDegradedAndSaysWhy) {
  auto checker = MakeChecker();
  free_disk_ = Status::Unavailable("statvfs(/x) failed: No such file or directory");
  HealthReport report = checker->Check();
  EXPECT_EQ(report.status, HealthStatus::kDegraded);
  const nlohmann::json json = nlohmann::json::parse(HealthReportToJson(report));
  EXPECT_TRUE(json["checks"]["free_disk_bytes"].is_null());
  EXPECT_EQ(json["checks"]["free_disk_error"], "statvfs(/x) failed: No such file or directory");
}

TEST_F(HealthTest, AFailedWarmupIsDegraded) {
  auto checker = MakeChecker();
  checker->SetWarmupProvider([] {
    return WarmupFigures{.state = "running", .keys_loaded = 10, .seconds = 1, .error = ""};
  });
  EXPECT_EQ(checker->Check().status, HealthStatus::kHealthy);
  checker->SetWarmupProvider([] {
    return WarmupFigures{
        .state = "failed", .keys_loaded = 10, .seconds = 1, .error = "hot set unreadable"};
  });
  HealthReport report = checker->Check();
  EXPECT_EQ(report.status, HealthStatus::kDegraded);
  const nlohmann::json json = nlohmann::json::parse(HealthReportToJson(report));
  EXPECT_EQ(json["checks"]["warmup"]["state"], "failed");
  EXPECT_EQ(json["checks"]["warmup"]["keys_loaded"], 10);
  EXPECT_EQ(json["checks"]["warmup"]["error"], "hot set unreadable");
}

TEST_F(HealthTest, AStoreErrorOutranksDegradation) {
  auto checker = MakeChecker();
  free_disk_ = 0;
  ASSERT_TRUE(store().Close().ok());
  EXPECT_EQ(checker->Check().status, HealthStatus::kError);
}

TEST(FreeDiskBytesTest, ReadsTheRealFileSystem) {
  TempDir dir;
  Result<uint64_t> free = FreeDiskBytes(dir.path());
  ASSERT_TRUE(free.ok()) << free.status().ToString();
  EXPECT_GT(*free, 0u);
  Result<uint64_t> missing = FreeDiskBytes(dir.Sub("missing"));
  EXPECT_EQ(missing.code(), Code::kUnavailable);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
}

}  // namespace
}  // namespace apicached::testing
