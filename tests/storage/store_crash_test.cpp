// A child process writes and is killed with SIGKILL mid-stream; a reopen must find every write
// it had acknowledged (the child reports a write only after Put returned ok, or with group commit
// after the CommitWrites() that followed it), with the version it was acknowledged with, and new
// versions must stay above all of them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "storage/clock.h"
#include "storage/store.h"
#include "storage/write_deferral.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

struct Ack {
  uint64_t index;
  uint64_t version;
};

std::string KeyOf(int round, uint64_t i) {
  return "r" + std::to_string(round) + ":" + std::to_string(i);
}
std::string ValueOf(uint64_t i) {
  return std::string(100 + i % 400, static_cast<char>('a' + i % 26));
}

StoreOptions CrashOptions(const std::string& dir) {
  StoreOptions options;
  options.data_dir = dir;
  options.maintenance_period_seconds = 0;
  options.write_buffer_bytes = 4 << 20;  // small memtables: flushes happen during the run too
  return options;
}

// Runs in the forked child: writes until killed. Never returns. group > 0: writes `group` puts
// in a WriteDeferral, commits them, then acknowledges them (group commit); else each put on its
// own.
[[noreturn]] void WriteUntilKilled(const std::string& dir, int round, int ack_fd, int group) {
  SystemClock clock;
  auto store = OpenStore(CrashOptions(dir), clock);
  if (!store.ok()) _exit(2);
  std::vector<Ack> acks;
  for (uint64_t i = 0;; ++i) {
    {
      std::optional<WriteDeferral> deferral;
      if (group > 0) deferral.emplace();
      auto put = (*store)->Put("crash", KeyOf(round, i), ValueOf(i), "text/plain", 0);
      if (!put.ok()) _exit(3);
      acks.push_back(Ack{i, put->version});
    }
    if (acks.size() < static_cast<size_t>(std::max(group, 1))) continue;
    if (group > 0 && !(*store)->CommitWrites().ok()) _exit(5);
    for (const Ack& ack : acks) {
      if (write(ack_fd, &ack, sizeof ack) != sizeof ack) _exit(4);
    }
    acks.clear();
  }
}

bool ReadAck(int fd, Ack* ack) {
  char* p = reinterpret_cast<char*>(ack);
  size_t got = 0;
  while (got < sizeof *ack) {
    const ssize_t n = read(fd, p + got, sizeof *ack - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void KillWriterAndCheck(int group) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  std::mt19937 rng(std::random_device{}());
  uint64_t max_version = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
      close(fds[0]);
      WriteUntilKilled(dir, round, fds[1], group);
    }
    close(fds[1]);
    const uint64_t wanted = 2000 + std::uniform_int_distribution<uint64_t>(0, 1000)(rng);
    std::vector<Ack> acks;
    Ack ack{};
    while (acks.size() < wanted && ReadAck(fds[0], &ack)) acks.push_back(ack);
    kill(child, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    close(fds[0]);
    ASSERT_EQ(acks.size(), wanted) << "the child stopped early, exit status " << wstatus;
    ASSERT_TRUE(WIFSIGNALED(wstatus));

    SystemClock clock;
    auto store = OpenStore(CrashOptions(dir), clock);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    size_t missing = 0;
    for (const Ack& a : acks) {
      auto got = (*store)->Get("crash", KeyOf(round, a.index));
      if (!got.ok() || got->value != ValueOf(a.index) || got->info.version != a.version) {
        ++missing;
      }
      max_version = std::max(max_version, a.version);
    }
    EXPECT_EQ(missing, 0u) << "round " << round << ": of " << acks.size() << " acknowledged";
    auto fresh = (*store)->Put("crash", "after-restart", "x", "", 0);
    ASSERT_TRUE(fresh.ok());
    EXPECT_GT(fresh->version, max_version) << "versions must not repeat after a crash";
    max_version = fresh->version;
    ASSERT_TRUE((*store)->Close().ok());
  }
}

TEST(StoreCrashTest, KilledWriterLosesNoAcknowledgedWrite) {
  KillWriterAndCheck(0);
}

// Group commit: writes of 16 in a WriteDeferral, acknowledged after their CommitWrites().
TEST(StoreCrashTest, KilledGroupCommitterLosesNoAcknowledgedWrite) {
  KillWriterAndCheck(16);
}

}  // namespace
}  // namespace apicached::testing
