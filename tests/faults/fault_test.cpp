// Fault tests: the real apicached binary on a disk that fills up, in a data dir that becomes
// read-only, and through a RocksDB background (flush) error. In every case writes must fail with
// 503 and a problem+json body that says why, reads keep working, /v1/health reports the error,
// nothing crashes, and once the fault is gone writes succeed again without a restart.
//
// The full-disk tests mount a 64 MiB tmpfs (root with CAP_SYS_ADMIN); without it they skip.
// 64 MiB and not less: RocksDB resumes after "no space" only once the free space is at least one
// memtable (16 MiB with the default 64 MiB write budget), see docs/faults.md.
// The read-only test runs the daemon as `nobody` (setpriv) when the test runs as root, because
// root ignores file permissions.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/faults/fault_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tmpfs_mount.h"

namespace apicached::testing {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr size_t kBigValueBytes = 256 << 10;
constexpr int kMaxWritesToFail = 300;  // 75 MiB: more than the tmpfs holds
// A namespace's memtable is 16 MiB with the default 64 MiB write budget (storage/rocks_options.cpp)
// and the WAL preallocates 1.1 times that; 17 MiB of values switch the memtable (its flush then
// needs 16 MiB) while all but the last few writes stay in the preallocated WAL.
constexpr size_t kFlushTriggerBytes = 17 << 20;
// What the daemon logs when an error stops its writes and when they resume.
constexpr const char* kWritesStopped = "apicached: storage: writes stopped by an error: ";
constexpr const char* kWritesResumed = "apicached: storage: writes resumed";

uint64_t FreeBytes(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

// Writes `path` until the filesystem has at most `leave` bytes free (or is full).
void FillDisk(const std::string& path, uint64_t leave) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  const std::string chunk(64 << 10, 'b');
  while (FreeBytes(path) > leave + chunk.size()) {
    if (::write(fd, chunk.data(), chunk.size()) <= 0) break;
  }
  ::fsync(fd);
  ::close(fd);
}

DaemonOptions DataDir(const std::string& dir) {
  DaemonOptions options;
  options.data_dir = dir;
  return options;
}

std::string Path(const std::string& key) {
  return "/v1/cache/faults/" + key;
}

class FaultTest : public ::testing::Test {
 protected:
  // Starts the daemon; fails the test with its log otherwise.
  void StartDaemon(DaemonProcess& d) {
    ASSERT_TRUE(d.Start());
    client_.emplace(ClientOf(d));
  }

  unsigned Put(const std::string& key, const std::string& value, std::string* body = nullptr) {
    auto r = Http(*client_, "PUT", Path(key), value, "application/octet-stream");
    if (!r.ok()) {
      ADD_FAILURE() << "PUT " << key << ": " << r.status().ToString();
      return 0;
    }
    if (body != nullptr) *body = r->body;
    if (r->status / 100 == 2) acked_[key] = value;
    return r->status;
  }

  // Big incompressible PUTs until one fails; returns that answer. With watch_health, writes stop
  // after kFlushTriggerBytes (the memtable is full and switched, its flush started) and the test
  // waits for the daemon to log that an error stopped its writes; then one more PUT must fail.
  // Fails the test if nothing fails.
  cli::HttpResponse WriteUntilFailure(DaemonProcess& d, bool watch_health) {
    const int writes =
        watch_health ? static_cast<int>(kFlushTriggerBytes / kBigValueBytes) : kMaxWritesToFail;
    const size_t mark = d.output_size();
    for (int i = 0; i < writes; ++i) {
      const std::string key = "big-" + std::to_string(next_big_++);
      std::string value(kBigValueBytes, '\0');
      for (char& c : value) c = static_cast<char>(rng_());
      auto r = Http(*client_, "PUT", Path(key), value, "application/octet-stream");
      if (!r.ok()) {
        ADD_FAILURE() << "the daemon stopped answering: " << r.status().ToString();
        return {};
      }
      if (r->status / 100 != 2) return *r;
      acked_[key] = std::move(value);
    }
    if (watch_health) {
      EXPECT_TRUE(d.WaitForOutput(kWritesStopped, seconds(30), mark)) << d.output();
      auto again = Http(*client_, "PUT", Path("after-health"), "x", "text/plain");
      if (!again.ok()) ADD_FAILURE() << again.status().ToString();
      return again.ok() ? *again : cli::HttpResponse{};
    }
    ADD_FAILURE() << "no write failed after " << writes << " big values";
    return {};
  }

  // A failed write is a 503 problem+json whose detail names the cause.
  void ExpectUnavailable(const cli::HttpResponse& r, const std::string& cause) {
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
    EXPECT_NE(r.body.find("\"detail\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(cause), std::string::npos) << "expected '" << cause << "' in " << r.body;
  }

  // Every acknowledged write reads back (spot-checks the big ones: first, last, every tenth).
  void ExpectAckedReadable() {
    int big = 0;
    for (const auto& [key, value] : acked_) {
      if (key.rfind("big-", 0) == 0 && big++ % 10 != 0) continue;
      auto r = Http(*client_, "GET", Path(key));
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->status, 200u) << key << ": " << r->body;
      EXPECT_TRUE(r->body == value) << key << " has a different value";
    }
  }

  cli::HttpResponse Health() {
    auto r = Http(*client_, "GET", "/v1/health");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : cli::HttpResponse{};
  }

  // A small PUT until one succeeds (the store resumed) or the deadline passes. Between tries the
  // test waits for the daemon's log line of the recovery: RocksDB's own recovery logs it, and
  // the store's (DB::Resume or a reopen) is made by a write or a health check at most once a
  // second, so a try that fails waits that long at most for the line, then tries again.
  bool WaitForWritesToResume(DaemonProcess& d, seconds deadline = seconds(60)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      const size_t mark = d.output_size();
      if (Put("after-" + std::to_string(next_probe_++), "back") / 100 == 2) return true;
      d.WaitForOutput(kWritesResumed, std::chrono::milliseconds(1100), mark);
    }
    return false;
  }

  // The whole story after the fault is in place and `fix` removes it: writes come back by
  // themselves (the store resumes or reopens RocksDB), nothing acknowledged is lost, and a
  // restart afterwards finds everything; `recovery_line`, when given, is what the daemon logs on
  // recovering.
  void CheckFaultThenRecovery(DaemonProcess& d, const std::string& cause,
                              const std::function<void()>& fix, bool watch_health = false,
                              const std::string& recovery_line = "") {
    const cli::HttpResponse failed = WriteUntilFailure(d, watch_health);
    if (HasFailure()) return;
    ExpectUnavailable(failed, cause);
    // Further writes keep failing the same way (the daemon did not crash).
    std::string body;
    EXPECT_EQ(Put("while-broken", "x", &body), 503u) << body;
    ExpectAckedReadable();
    failure_health_ = Health();
    EXPECT_EQ(failure_health_.status, 503u) << failure_health_.body;
    EXPECT_NE(failure_health_.body.find(cause), std::string::npos) << failure_health_.body;

    fix();
    ASSERT_TRUE(WaitForWritesToResume(d)) << "writes did not resume; log:\n" << d.output();
    EXPECT_TRUE(d.WaitForOutput(kWritesResumed, seconds(10))) << d.output();
    // The daemon prints it before the writes come back, but the test reads its output on a thread
    // of its own: a copy of output() taken here could miss it (it did, 1 of 5 alone, loaded).
    if (!recovery_line.empty()) {
      EXPECT_TRUE(d.WaitForOutput(recovery_line, std::chrono::seconds(10))) << d.output();
    }
    EXPECT_EQ(Health().status, 200u);
    ExpectAckedReadable();
    // A namespace created after the recovery works too (a reopen renews the column families).
    auto fresh = Http(*client_, "PUT", "/v1/cache/after-fault/k", "v", "text/plain");
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    EXPECT_EQ(fresh->status, 201u) << fresh->body;
    EXPECT_EQ(d.Stop(), 0) << d.output();
    StartDaemon(d);
    ExpectAckedReadable();
    EXPECT_EQ(Put("after-restart", "ok"), 201u);
    EXPECT_EQ(Health().status, 200u);
    EXPECT_EQ(d.Stop(), 0) << d.output();
  }

  TempDir dir_;
  std::optional<cli::HttpClient> client_;
  cli::HttpResponse failure_health_;  // /v1/health while the fault was in place
  std::map<std::string, std::string> acked_;
  int next_big_ = 0;
  std::minstd_rand rng_{42};
  int next_probe_ = 0;
};

// The disk is nearly full before the daemon starts, so the write-ahead log cannot preallocate
// and a foreground WAL write is what hits "no space".
TEST_F(FaultTest, FullDiskFailsWritesWith503AndRecoversWhenSpaceIsFreed) {
  TmpfsMount mnt(dir_.Sub("mnt"), "64m");
  if (!mnt.mounted()) GTEST_SKIP() << mnt.why();
  const std::string ballast = dir_.Sub("mnt/ballast");
  FillDisk(ballast, 8 << 20);
  DaemonProcess d(DataDir(dir_.Sub("mnt/data")));
  StartDaemon(d);
  ASSERT_EQ(Put("before", "stored before the disk filled up"), 201u);
  CheckFaultThenRecovery(d, "No space left on device", [&] { fs::remove(ballast); });
}

// The daemon starts with room (its WAL preallocated), then the disk fills to 4 MiB free: writes
// still land in the WAL until the memtable (16 MiB) is switched and its flush cannot write the
// table file, a RocksDB background error. The writes stop right after the switch (17 MiB), so
// the new WAL never runs out of room: the flush is what fails. Under group commit (docs/storage.md)
// the WAL's records are buffered and appended at each commit, so when the flush's table file takes
// the last free bytes first, a commit's append to the new WAL can be what meets "no space" (seen
// once in a full parallel run, not in isolation): either way a RocksDB background error stops the
// writes and they resume by themselves, which is what this test is about.
TEST_F(FaultTest, BackgroundFlushErrorStopsWritesAndRecovers) {
  TmpfsMount mnt(dir_.Sub("mnt"), "64m");
  if (!mnt.mounted()) GTEST_SKIP() << mnt.why();
  DaemonProcess d(DataDir(dir_.Sub("mnt/data")));
  StartDaemon(d);
  ASSERT_EQ(Put("before", "stored before the disk filled up"), 201u);
  const std::string ballast = dir_.Sub("mnt/ballast");
  FillDisk(ballast, 4 << 20);
  CheckFaultThenRecovery(
      d, "No space left on device", [&] { fs::remove(ballast); }, /*watch_health=*/true);
  const std::string& h = failure_health_.body;
  EXPECT_TRUE(h.find(".sst") != std::string::npos || h.find(".log") != std::string::npos)
      << "expected the failure in a flush (a table file) or in the WAL after the memtable switch: "
      << h;
  EXPECT_NE(h.find("writes resume by themselves"), std::string::npos)
      << "expected a background error that resumes by itself: " << h;
}

// chmod a-w on the data dir: files already open stay writable, so writes fail once RocksDB
// needs a new file: the next WAL at a memtable switch. RocksDB 7.8 rates that failure fatal and
// DB::Resume() refuses it, so the store closes and reopens the database once the directory
// takes a file again: writes come back without a restart, and health said what would happen.
TEST_F(FaultTest, ReadOnlyDataDirFailsWritesWith503AndRecoversByReopening) {
  std::vector<std::string> prefix;
  const std::string data = dir_.Sub("data");
  fs::create_directories(data);
  ::chmod(data.c_str(), 0700);
  if (::geteuid() == 0) {
    // Root ignores permissions: run the daemon as nobody in a directory it owns.
    ::chmod(dir_.path().c_str(), 0755);
    ASSERT_EQ(::chown(data.c_str(), 65534, 65534), 0) << std::strerror(errno);
    prefix = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  DaemonOptions options = DataDir(data);
  options.command_prefix = prefix;
  DaemonProcess d(options);
  const ::testing::AssertionResult started = d.Start();
  if (!started && !prefix.empty() && d.output().find("setpriv") != std::string::npos) {
    GTEST_SKIP() << "cannot run the daemon as nobody via setpriv (util-linux): " << d.output();
  }
  ASSERT_TRUE(started);
  client_.emplace(ClientOf(d));
  ASSERT_EQ(Put("before", "stored before the directory became read-only"), 201u);
  ASSERT_EQ(::chmod(data.c_str(), 0500), 0) << std::strerror(errno);
  CheckFaultThenRecovery(
      d, "Permission denied", [&] { ::chmod(data.c_str(), 0700); }, /*watch_health=*/false,
      "reopened the database");
  EXPECT_NE(failure_health_.body.find("reopens the database"), std::string::npos)
      << failure_health_.body;
}

}  // namespace
}  // namespace apicached::testing
