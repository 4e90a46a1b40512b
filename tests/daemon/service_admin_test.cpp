// The real apicached binary: the maintenance job through POST /v1/admin/compact and checkpoints
// through POST /v1/admin/checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

TEST(ServiceAdminTest, CompactReclaimsExpiredEntries) {
  // Periodic maintenance off so that only the admin call compacts.
  DaemonProcess d(Daemon({"--maintenance-period", "0"}));
  ASSERT_TRUE(d.Start());
  constexpr int kShort = 200, kLong = 20;
  {
    HttpClient c(d.port());
    for (int i = 0; i < kShort; ++i) {
      ASSERT_EQ(c.Put("/v1/cache/sessions/s" + std::to_string(i) + "?ttl=1", "x").result_int(),
                201);
    }
    for (int i = 0; i < kLong; ++i) {
      ASSERT_EQ(c.Put("/v1/cache/sessions/l" + std::to_string(i), "y").result_int(), 201);
    }
  }
  // A clean stop flushes the memtables: the entries are in table files, where maintenance
  // looks for expired ones. The daemon comes back ten minutes later on its own clock, so the 1 s
  // TTLs are over without waiting for them (and the default 1 h TTL of the others is not).
  d.options().args.insert(d.options().args.end(), {"--test-clock-offset", "600"});
  ASSERT_TRUE(d.Restart());
  EXPECT_NE(d.output().find("the clock is shifted by 600 s"), std::string::npos) << d.output();
  HttpClient c(d.port());
  for (int i = 0; i < kShort; i += 37) {
    EXPECT_EQ(c.Get("/v1/cache/sessions/s" + std::to_string(i)).result_int(), 404) << i;
  }
  const auto before = BodyJson(c.Get("/v1/cache/sessions"));
  HttpResponse res = c.Post("/v1/admin/compact?ns=sessions");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  const nlohmann::json report = BodyJson(res);
  EXPECT_EQ(report["namespace"], "sessions");
  EXPECT_EQ(report["namespaces_checked"], 1);
  EXPECT_EQ(report["namespaces_compacted"], 1);
  EXPECT_GE(report["expired_dropped"].get<int64_t>(), kShort) << report.dump();
  const auto after = BodyJson(c.Get("/v1/cache/sessions"));
  EXPECT_GE(after["expired_dropped"].get<int64_t>() - before["expired_dropped"].get<int64_t>(),
            kShort)
      << after.dump();
  for (int i = 0; i < kLong; ++i) {
    EXPECT_EQ(c.Get("/v1/cache/sessions/l" + std::to_string(i)).body(), "y");
  }
  // The compaction shows in /metrics (these counters used to stay at 0).
  const std::string metrics = c.Get("/metrics").body();
  const size_t runs = metrics.find("\napicached_maintenance_runs_total ");
  ASSERT_NE(runs, std::string::npos) << metrics;
  EXPECT_GE(std::stod(metrics.substr(runs + 34)), 1) << metrics;
  EXPECT_EQ(metrics.find("apicached_namespace_compactions_total{cache_namespace=\"sessions\"} 0\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("apicached_namespace_compactions_total{cache_namespace=\"sessions\"} "),
            std::string::npos)
      << metrics;
  // All namespaces, and a bad name.
  HttpResponse all = c.Post("/v1/admin/compact");
  ASSERT_EQ(all.result_int(), 200) << all.body();
  EXPECT_GE(BodyJson(all)["namespaces_checked"].get<int64_t>(), 1);
  EXPECT_EQ(c.Post("/v1/admin/compact?ns=Bad%20Name").result_int(), 400);
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceAdminTest, CompactReclaimsExpiredInvalidIdRecords) {
  DaemonProcess d(Daemon({"--maintenance-period", "0"}));
  ASSERT_TRUE(d.Start());
  constexpr int kRecords = 50;
  auto id = [](int i) { return "2000000" + std::to_string(1000 + i); };
  {
    HttpClient c(d.port());
    for (int i = 0; i < kRecords; ++i) {
      ASSERT_EQ(
          c.Put("/v1/invalid/ruc/" + id(i), R"({"reason":"NOT_FOUND","ttl":1})").result_int() / 100,
          2);
    }
  }
  // Into table files, and ten minutes later on the daemon's clock: the records have expired.
  d.options().args.insert(d.options().args.end(), {"--test-clock-offset", "600"});
  ASSERT_TRUE(d.Restart());
  HttpClient c(d.port());
  EXPECT_EQ(c.Get("/v1/invalid/ruc/" + id(kRecords - 1)).result_int(), 404);
  HttpResponse res = c.Post("/v1/admin/compact");  // every namespace, internal ones too
  ASSERT_EQ(res.result_int(), 200) << res.body();
  const int64_t dropped = BodyJson(res)["expired_dropped"].get<int64_t>();
  EXPECT_EQ(dropped, kRecords);
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceAdminTest, CheckpointOpensAsAWorkingDataDir) {
  TempDir dir;
  DaemonProcess d(Daemon({"--backup-dir", dir.Sub("backups")}));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  ASSERT_EQ(c.Put("/v1/cache/exchange/usd-pen", "3.71").result_int(), 201);
  ASSERT_EQ(c.Put("/v1/cache/ratelimit/ip-1?ttl=0", "7").result_int(), 201);
  HttpResponse res = c.Post("/v1/admin/checkpoint");
  ASSERT_EQ(res.result_int(), 200) << res.body();
  const std::string path = BodyJson(res)["path"];
  EXPECT_EQ(path.rfind(dir.Sub("backups") + "/checkpoint-", 0), 0u) << path;
  ASSERT_TRUE(std::filesystem::is_directory(path));
  // The backup dir is private to the service user, like the data dir.
  EXPECT_EQ(std::filesystem::status(dir.Sub("backups")).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_EQ(std::filesystem::status(d.data_dir()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  ASSERT_EQ(c.Put("/v1/cache/exchange/usd-pen", "3.80").result_int() / 100, 2);  // after it

  // A second daemon on the checkpoint, while the first still runs.
  DaemonOptions copy_options;
  copy_options.data_dir = path;
  DaemonProcess copy(copy_options);
  ASSERT_TRUE(copy.Start());
  HttpClient cc(copy.port());
  EXPECT_EQ(cc.Get("/v1/cache/exchange/usd-pen").body(), "3.71");
  EXPECT_EQ(cc.Get("/v1/cache/ratelimit/ip-1").body(), "7");
  EXPECT_EQ(cc.Put("/v1/cache/exchange/eur-pen", "4.05").result_int(), 201);  // writable
  EXPECT_EQ(copy.Stop(), 0);
  EXPECT_EQ(c.Get("/v1/cache/exchange/usd-pen").body(), "3.80");
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceAdminTest, CheckpointWithoutBackupDirIsRefused) {
  DaemonProcess d;
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  HttpResponse res = c.Post("/v1/admin/checkpoint");
  EXPECT_EQ(res.result_int(), 409);
  EXPECT_NE(res.body().find("backup-dir"), std::string::npos) << res.body();
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace apicached::testing
