// Creating namespaces must not stall reads of existing ones (issue #12): against the real binary,
// one client creates 200 namespaces (a PUT each; RocksDB rewrites its OPTIONS file for every one
// and holds back all writes meanwhile) while another reads an existing namespace and times each
// GET. With one I/O thread both connections share it, the worst case: a creation handled on the
// I/O thread makes every GET behind it wait for the whole creation. The bound is relative to the
// same GETs' p99 measured just before, on the same machine under the same load (a loaded machine
// and the sanitizer build inflate both), with a floor; bench/namespaces.sh reports the real figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kCreations = 200;
// The goal is 5 ms; measured 0.15 ms with the fix, 44 ms without (2 cores, unloaded). The bound:
// at most kBaselineFactor times the p99 without creations, and never under kGetP99FloorMs.
constexpr double kGetP99FloorMs = 15.0;
constexpr double kBaselineFactor = 5.0;

// p99 of the sorted sample.
double P99(std::vector<double>& ms) {
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() * 99 / 100];
}

double TimedGetMs(HttpClient& reader, int& failed) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = reader.Get("/v1/cache/hot/k");
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (r.result_int() != 200u || r.body() != "v") ++failed;
  return ms;
}

TEST(NamespaceCreationTest, GetsOfAnExistingNamespaceDoNotWaitForCreations) {
  DaemonOptions options;
  options.args = {"--io-threads", "1", "--max-namespaces", "300", "--stats-flush-period", "0"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient reader(daemon.port(), 30s);
  ASSERT_EQ(reader.Put("/v1/cache/hot/k?ttl=0", "v").result_int(), 201u);
  int failed = 0;
  std::vector<double> baseline;
  for (int i = 0; i < 400; ++i) baseline.push_back(TimedGetMs(reader, failed));
  const double bound = std::max(kGetP99FloorMs, kBaselineFactor * P99(baseline));

  std::atomic<bool> done{false};
  std::atomic<int> created{0};
  std::thread creator([&] {
    HttpClient c(daemon.port(), 60s);
    for (int i = 0; i < kCreations; ++i) {
      if (c.Put("/v1/cache/c" + std::to_string(i) + "/k?ttl=0", "v").result_int() != 201u) break;
      created.fetch_add(1);
    }
    done.store(true);
  });
  std::vector<double> ms;
  while (!done.load()) ms.push_back(TimedGetMs(reader, failed));
  creator.join();
  ASSERT_EQ(created.load(), kCreations) << daemon.output();
  EXPECT_EQ(failed, 0);
  ASSERT_GT(ms.size(), 100u);
  const double p99 = P99(ms);
  EXPECT_LT(p99, bound) << "GET p99 " << p99 << " ms, max " << ms.back() << " ms over " << ms.size()
                        << " GETs while " << kCreations
                        << " namespaces were created; without creations p99 " << P99(baseline)
                        << " ms";
  // RocksDB's refused OPTIONS file (storage/no_options_file_system.h) is not logged.
  EXPECT_EQ(daemon.output().find("persist options"), std::string::npos) << daemon.output();
  std::printf("GET p50 %.3f ms, p99 %.3f ms (bound %.3f), max %.3f ms over %zu GETs\n",
              ms[ms.size() / 2], p99, bound, ms.back(), ms.size());
}

}  // namespace
}  // namespace apicached::testing
