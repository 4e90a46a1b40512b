// Creating namespaces must not stall reads of existing ones (issue #12): against the real binary,
// one client creates 200 namespaces (a PUT each; RocksDB rewrites its OPTIONS file for every one
// and holds back all writes meanwhile) while another reads an existing namespace and times each
// GET. With one I/O thread both connections share it, the worst case: a creation handled on the
// I/O thread makes every GET behind it wait for the whole creation. The bound is generous (a
// loaded CI machine, sanitizers); bench/namespaces.sh reports the real figure.
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
// The goal is 5 ms; measured 0.15 ms with the fix, 44 ms without (2 cores).
constexpr double kGetP99BoundMs = 15.0;

TEST(NamespaceCreationTest, GetsOfAnExistingNamespaceDoNotWaitForCreations) {
  DaemonOptions options;
  options.args = {"--io-threads", "1", "--max-namespaces", "300", "--stats-flush-period", "0"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient reader(daemon.port(), 30s);
  ASSERT_EQ(reader.Put("/v1/cache/hot/k?ttl=0", "v").result_int(), 201u);

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
  int failed = 0;
  while (!done.load()) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = reader.Get("/v1/cache/hot/k");
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r.result_int() != 200u || r.body() != "v") ++failed;
  }
  creator.join();
  ASSERT_EQ(created.load(), kCreations) << daemon.output();
  EXPECT_EQ(failed, 0);
  ASSERT_GT(ms.size(), 100u);
  std::sort(ms.begin(), ms.end());
  const double p99 = ms[ms.size() * 99 / 100];
  EXPECT_LT(p99, kGetP99BoundMs) << "GET p99 " << p99 << " ms, max " << ms.back() << " ms over "
                                 << ms.size() << " GETs while " << kCreations
                                 << " namespaces were created";
  // RocksDB's refused OPTIONS file (storage/no_options_file_system.h) is not logged.
  EXPECT_EQ(daemon.output().find("persist options"), std::string::npos) << daemon.output();
  std::printf("GET p50 %.3f ms, p99 %.3f ms, max %.3f ms over %zu GETs\n", ms[ms.size() / 2], p99,
              ms.back(), ms.size());
}

}  // namespace
}  // namespace apicached::testing
