// File-descriptor budget against the real binary under a low RLIMIT_NOFILE (prlimit): many
// namespaces (one table file each after a restart) plus more idle connections than the budget
// allows. Writes must keep working, every connection over the cap must read the documented 503
// (never silence), and /v1/health must show the limits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kNofile = 400;
constexpr int kNamespaces = 60;

bool InPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    if (::access((dirs.substr(start, end - start) + "/" + tool).c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

TEST(FdLimitTest, ConnectionsOverTheBudgetGet503AndWritesKeepWorking) {
  if (!InPath("prlimit")) GTEST_SKIP() << "prlimit (util-linux) is not installed";
  DaemonOptions options;
  options.command_prefix = {
      "prlimit", "--nofile=" + std::to_string(kNofile) + ":" + std::to_string(kNofile), "--"};
  options.args = {"--io-threads",     "1",   "--fd-reserve",      "32",
                  "--max-namespaces", "100", "--hot-cache-bytes", "0"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  {
    HttpClient c(daemon.port(), 60s);
    for (int i = 0; i < kNamespaces; ++i) {
      ASSERT_EQ(c.Put("/v1/cache/fd" + std::to_string(i) + "/k?ttl=0", "v").result_int(), 201);
    }
  }
  // After a restart every namespace has a table file: unbounded, RocksDB would hold them all.
  ASSERT_TRUE(daemon.Restart()) << daemon.output();
  EXPECT_NE(daemon.output().find("file descriptors: limit " + std::to_string(kNofile)),
            std::string::npos)
      << daemon.output();

  HttpClient writer(daemon.port(), 30s);  // opened before the idle ones: within the cap
  auto health = nlohmann::json::parse(writer.Get("/v1/health").body());
  ASSERT_TRUE(health.contains("limits")) << health.dump();
  const auto& limits = health["limits"];
  EXPECT_EQ(limits["nofile_soft"], kNofile);
  EXPECT_EQ(limits["nofile_hard"], kNofile);
  const size_t max_connections = limits["max_connections"].get<size_t>();
  const uint64_t max_open_files = limits["store_max_open_files"].get<uint64_t>();
  // 32 reserved, 32 fixed for RocksDB, 100 + 64 + 8 namespaces' directory descriptors.
  EXPECT_EQ(max_connections + max_open_files + 32 + 32 + 172, static_cast<size_t>(kNofile));
  ASSERT_GT(max_connections, 1u);

  // Fill the cap with idle connections (the writer holds one slot), then go well past it.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (size_t i = 0; i + 1 < max_connections; ++i) {
    idle.push_back(std::make_unique<RawConnection>(daemon.port()));
  }
  // The backlog is FIFO: the connections below are accepted after all of those.
  ASSERT_EQ(writer.Get("/v1/cache/fd0/k").result_int(), 200);
  for (int i = 0; i < 40; ++i) {
    RawConnection over(daemon.port());
    const auto read = over.ReadUntilClosed(10s);
    ASSERT_TRUE(read.closed) << "connection " << i << " over the cap got no answer";
    ASSERT_NE(read.data.find("HTTP/1.1 503"), std::string::npos) << read.data;
  }
  // The store still has descriptors: reads of every namespace, writes, a new namespace.
  for (int i = 0; i < kNamespaces; ++i) {
    const std::string path = "/v1/cache/fd" + std::to_string(i) + "/k";
    ASSERT_EQ(writer.Get(path).result_int(), 200) << path << "\n" << daemon.output();
    ASSERT_EQ(writer.Put(path + "?ttl=0", "w").result_int(), 204) << path;
  }
  ASSERT_EQ(writer.Put("/v1/cache/fdnew/k", "v").result_int(), 201) << daemon.output();
  idle.clear();
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
  EXPECT_EQ(daemon.output().find("Too many open files"), std::string::npos) << daemon.output();
}

}  // namespace
}  // namespace apicached::testing
