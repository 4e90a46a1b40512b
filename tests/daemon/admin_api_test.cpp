// The /v1/admin routes through a Router (no sockets) on a real store in a temp dir.
#include "http/admin_api.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

using nlohmann::json;
using testing::TempDir;

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    StoreOptions options;
    options.data_dir = dir_.Sub("data");
    options.maintenance_period_seconds = 0;
    auto store = OpenStore(options, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  http::Response Post(const http::Router& router, const std::string& target) {
    http::Request req{http::Verb::post, target, 11};
    return router.Handle(req).response;
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
};

TEST_F(AdminApiTest, CompactReclaimsExpiredEntriesAndAnswersTheReport) {
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->Put("weather", "k" + std::to_string(i), "v", "", 1).ok());
  }
  // Close() flushes the memtable: the expired entries must sit in table files to be reclaimed.
  ASSERT_TRUE(store_->Close().ok());
  Open();
  clock_.Advance(std::chrono::seconds(2));
  bool extra_ran = false;
  http::Router router;
  http::AddAdminRoutes(router, store_->admin(), clock_,
                       {.backup_dir = "", .extra_maintenance = [&] {
                          extra_ran = true;
                          return Status::Ok();
                        }});
  http::Response res = Post(router, "/v1/admin/compact?ns=weather");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  json report = json::parse(res.body());
  EXPECT_EQ(report["namespace"], "weather");
  EXPECT_GE(report["namespaces_checked"].get<int>(), 1);
  EXPECT_GT(report["expired_dropped"].get<int>(), 0) << res.body();
  EXPECT_TRUE(extra_ran);

  res = Post(router, "/v1/admin/compact");
  EXPECT_EQ(res.result_int(), 200u) << res.body();
  res = Post(router, "/v1/admin/compact?ns=Bad%20Name");
  EXPECT_EQ(res.result_int(), 400u) << res.body();
}

TEST_F(AdminApiTest, CheckpointWithoutABackupDirIsAConflict) {
  http::Router router;
  http::AddAdminRoutes(router, store_->admin(), clock_,
                       {.backup_dir = "", .extra_maintenance = {}});
  http::Response res = Post(router, "/v1/admin/checkpoint");
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_NE(res.body().find("backup"), std::string::npos) << res.body();
}

TEST_F(AdminApiTest, CheckpointOpensAsAWorkingDataDir) {
  ASSERT_TRUE(store_->Put("weather", "lima", "22C", "text/plain", 0).ok());
  http::Router router;
  http::AddAdminRoutes(router, store_->admin(), clock_,
                       {.backup_dir = dir_.Sub("backups"), .extra_maintenance = {}});
  http::Response res = Post(router, "/v1/admin/checkpoint");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  std::string path = json::parse(res.body())["path"];
  EXPECT_EQ(path.rfind(dir_.Sub("backups") + "/checkpoint-", 0), 0u) << path;
  auto perms = std::filesystem::status(dir_.Sub("backups")).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all, std::filesystem::perms::owner_all);

  // A second checkpoint in the same millisecond gets its own directory.
  http::Response again = Post(router, "/v1/admin/checkpoint");
  ASSERT_EQ(again.result_int(), 200u) << again.body();
  EXPECT_NE(json::parse(again.body())["path"], path);

  StoreOptions options;
  options.data_dir = path;
  options.maintenance_period_seconds = 0;
  auto copy = OpenStore(options, clock_);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  auto entry = (*copy)->Get("weather", "lima");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->value, "22C");
}

}  // namespace
}  // namespace apicached
