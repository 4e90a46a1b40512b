// The store recovers from a fatal I/O error by reopening RocksDB in place, while readers keep
// reading: the data dir is made read-only, writes fail once RocksDB needs a new WAL file (a
// memtable switch), and once the directory is writable again writes come back without a new
// Store object. Readers run throughout and must never see a wrong or missing value.
//
// Root ignores file permissions, so when run as root the scenario runs in a forked child that
// switched to the user nobody (65534). Its own binary: no other test's threads exist at fork().
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

constexpr uid_t kNobody = 65534;
constexpr int kStableKeys = 200;
constexpr size_t kBigValueBytes = 64 << 10;

StoreOptions Options(const std::string& dir) {
  StoreOptions o;
  o.data_dir = dir;
  o.maintenance_period_seconds = 0;
  o.ttl.default_ttl_seconds = 0;
  o.write_buffer_bytes = 4 << 20;  // a 1 MiB memtable per namespace: quick to switch
  return o;
}

std::string StableValue(int i) {
  return "stable-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'v');
}

// The whole scenario; gtest assertions record failures in this process.
void Scenario(const std::string& data) {
  FakeClock clock;
  auto opened = OpenStore(Options(data), clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  for (int i = 0; i < kStableKeys; ++i) {
    ASSERT_TRUE(store.Put("stable", std::to_string(i), StableValue(i), "", 0).ok());
  }
  ASSERT_TRUE(store.Put("bulk", "first", "x", "", 0).ok());  // both namespaces exist before

  // Readers of the stable keys for the whole story, through the failure and the reopen.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0}, bad_reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = t; !stop.load(); i = (i + 7) % kStableKeys) {
        auto got = store.Get("stable", std::to_string(i));
        reads.fetch_add(1);
        if (!got.ok() || got->value != StableValue(i)) bad_reads.fetch_add(1);
      }
    });
  }

  ASSERT_EQ(::chmod(data.c_str(), 0500), 0) << std::strerror(errno);
  const std::string big(kBigValueBytes, 'b');
  std::vector<std::string> acked;
  Status failure;
  for (int i = 0; i < 64 && failure.ok(); ++i) {  // 4 MiB: several memtables' worth
    const std::string key = "big-" + std::to_string(i);
    auto put = store.Put("bulk", key, big, "", 0);
    if (put.ok()) {
      acked.push_back(key);
    } else {
      failure = put.status();
    }
  }
  EXPECT_EQ(failure.code(), Code::kUnavailable) << failure.ToString();
  EXPECT_NE(failure.message().find("Permission denied"), std::string::npos) << failure.ToString();
  const Status broken = store.admin().CheckHealth();
  EXPECT_NE(broken.message().find("reopens the database"), std::string::npos)
      << "expected the fatal, reopenable error: " << broken.ToString();

  ASSERT_EQ(::chmod(data.c_str(), 0700), 0) << std::strerror(errno);
  // Recovery is attempted at most once a second: poll with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  Result<WriteOutcome> after = Status::Unavailable("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    after = store.Put("bulk", "after", "back", "", 0);
    if (after.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop.store(true);
  for (std::thread& r : readers) r.join();
  ASSERT_TRUE(after.ok()) << "writes did not come back: " << after.status().ToString();

  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(bad_reads.load(), 0u) << "of " << reads.load() << " reads";
  EXPECT_TRUE(store.admin().CheckHealth().ok());
  for (const std::string& key : acked) {
    auto got = store.Get("bulk", key);
    ASSERT_TRUE(got.ok()) << key << ": " << got.status().ToString();
    EXPECT_EQ(got->value.size(), kBigValueBytes);
  }
  // A namespace created after the reopen works, and every namespace is still listed.
  ASSERT_TRUE(store.Put("fresh", "k", "v", "", 0).ok());
  auto listed = store.ListNamespaces();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  ASSERT_TRUE(store.Close().ok());

  // And a new open finds everything acknowledged.
  auto again = OpenStore(Options(data), clock);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Get("bulk", "after").ok());
  for (const std::string& key : acked) EXPECT_TRUE((*again)->Get("bulk", key).ok()) << key;
  EXPECT_TRUE((*again)->Get("fresh", "k").ok());
}

TEST(StoreReopenTest, AFatalIoErrorIsRecoveredByReopeningWhileReadersRun) {
  testing::TempDir dir;
  const std::string data = dir.Sub("db");
  if (::geteuid() != 0) {
    Scenario(data);
    return;
  }
  // Root: run as nobody in a directory nobody owns.
  ASSERT_EQ(::chown(dir.path().c_str(), kNobody, kNobody), 0) << std::strerror(errno);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      std::fprintf(stderr, "cannot become nobody: %s\n", std::strerror(errno));
      std::_Exit(2);
    }
    Scenario(data);
    std::fflush(nullptr);
    std::_Exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the scenario failed as nobody (its failures are above)";
  ASSERT_EQ(::chown(dir.path().c_str(), 0, 0), 0);  // lets TempDir clean up as usual
}

}  // namespace
}  // namespace apicached
