// The size bounds on the real apicached binary (issue #14): a quota lowered by SIGHUP is
// enforced by the next check, and the free-disk rule keeps a small tmpfs from filling up while
// every write succeeds.
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <random>
#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tmpfs_mount.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

std::string Incompressible(std::mt19937_64& rng, size_t bytes) {
  std::string v(bytes, '\0');
  for (char& c : v) c = static_cast<char>('!' + rng() % 90);
  return v;
}

// GET /v1/cache/{ns} until done(figures): each time it is not, waits for the daemon's next
// eviction check that ends within every limit (its debug log line), until the deadline. The
// last figures.
nlohmann::json FiguresAfterChecks(DaemonProcess& d, HttpClient& c, const std::string& ns,
                                  const std::function<bool(const nlohmann::json&)>& done,
                                  std::chrono::seconds deadline = 30s) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  nlohmann::json f;
  for (;;) {
    const size_t mark = d.output_size();
    f = BodyJson(c.Get("/v1/cache/" + ns));
    if (done(f)) return f;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !d.WaitForOutput("; within every limit", left, mark)) return f;
  }
}

TEST(ServiceEvictionTest, AQuotaLoweredBySighupIsEnforced) {
  TempDir dir;
  const std::string conf = dir.Sub("apicached.conf");
  WriteTextFile(conf, "ns-quota = big=8388608\n");
  // No free-disk floor: this test is about the quota, whatever the machine's free space.
  // Debug: the daemon logs its eviction checks.
  DaemonProcess d(Daemon({"--config", conf, "--min-free-disk-bytes", "0", "--log-level", "debug"}));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  std::mt19937_64 rng(14);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(c.Put("/v1/cache/big/k" + std::to_string(i), Incompressible(rng, 1024)).result_int(),
              201)
        << i;
  }
  nlohmann::json f = BodyJson(c.Get("/v1/cache/big"));
  EXPECT_EQ(f["quota_bytes"], 8388608);
  EXPECT_GT(f["used_bytes"].get<uint64_t>(), 2000u * 1024);
  EXPECT_EQ(f["evictions"]["quota"], 0);

  WriteTextFile(conf, "ns-quota = big=524288\n");
  const size_t reloaded = d.output_size();
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForOutput("reloaded " + conf, 10s)) << d.output();
  ASSERT_TRUE(d.WaitForOutput("ns-quota big=524288", 5s)) << d.output();
  f = FiguresAfterChecks(d, c, "big", [](const nlohmann::json& j) {
    return j["used_bytes"].get<uint64_t>() <= 524288;
  });
  EXPECT_LE(f["used_bytes"].get<uint64_t>(), 524288u) << f.dump();
  EXPECT_EQ(f["quota_bytes"], 524288);
  EXPECT_GT(f["evictions"]["quota"].get<uint64_t>(), 0u);
  // The check's log line follows its figures.
  EXPECT_TRUE(d.WaitForOutput("eviction: evicted ", 10s, reloaded)) << d.output();
  // The newest entries are there, the oldest were evicted; writes go on.
  EXPECT_EQ(c.Get("/v1/cache/big/k1999").result_int(), 200);
  EXPECT_EQ(c.Get("/v1/cache/big/k0").result_int(), 404);
  EXPECT_EQ(c.Put("/v1/cache/big/after", "v").result_int(), 201);
  // One entry larger than the quota is refused, in HTTP's terms.
  HttpResponse big = c.Put("/v1/cache/big/huge", std::string(600 << 10, 'x'));
  EXPECT_EQ(big.result_int(), 413) << big.body();
  EXPECT_NE(big.body().find("quota of namespace 'big'"), std::string::npos) << big.body();
  // The metrics say it too.
  const std::string metrics = c.Get("/metrics").body();
  EXPECT_NE(metrics.find("apicached_namespace_evictions_total{cache_namespace=\"big\",reason="
                         "\"quota\"}"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("apicached_namespace_quota_bytes{cache_namespace=\"big\"} 524288"),
            std::string::npos);
  EXPECT_EQ(d.Stop(), 0);
}

uint64_t FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

TEST(ServiceEvictionTest, TheFreeDiskRuleHoldsOnASmallTmpfsWithEveryWriteSucceeding) {
  TempDir dir;
  TmpfsMount mnt(dir.Sub("mnt"), "128m");
  if (!mnt.mounted()) GTEST_SKIP() << mnt.why();
  constexpr uint64_t kMinFree = 48ull << 20;
  DaemonOptions options = Daemon(
      {"--eviction", "--min-free-disk-bytes", std::to_string(kMinFree), "--log-level", "debug"});
  options.data_dir = dir.Sub("mnt") + "/data";
  DaemonProcess d(options);
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  std::mt19937_64 rng(14);
  // Twice the file system's size, in incompressible 16 KiB values.
  uint64_t lowest_free = FreeBytes(options.data_dir);
  for (int i = 0; i < 16384; ++i) {
    HttpResponse put = c.Put("/v1/cache/fill/k" + std::to_string(i), Incompressible(rng, 16384));
    ASSERT_EQ(put.result_int(), 201) << "write " << i << ": " << put.body();
    if (i % 64 == 0) lowest_free = std::min(lowest_free, FreeBytes(options.data_dir));
  }
  nlohmann::json f = FiguresAfterChecks(
      d, c, "fill", [&](const nlohmann::json&) { return FreeBytes(options.data_dir) >= kMinFree; });
  EXPECT_GE(FreeBytes(options.data_dir), kMinFree) << f.dump();
  EXPECT_GT(f["evictions"]["disk"].get<uint64_t>(), 0u) << f.dump();
  // Between checks (and during RocksDB's own compactions) the free space may dip under the
  // floor: the documented slack. The writes above all succeeded; this says how close it came.
  RecordProperty("lowest_free_bytes", std::to_string(lowest_free));
  EXPECT_GT(lowest_free, 0u);
  EXPECT_EQ(c.Get("/v1/cache/fill/k16383").result_int(), 200);
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace apicached::testing
