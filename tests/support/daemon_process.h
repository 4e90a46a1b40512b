// DaemonProcess: runs the real apicached binary for integration tests.
//
// Start() spawns the binary (path compiled in from $<TARGET_FILE:apicached>) with
// `--listen 127.0.0.1:0 --data-dir <dir> --config ''` (no config file, so an installed
// /etc/apicached/apicached.conf is never read; left out when args has its own --config) and
// `--min-free-disk-bytes 0` (the machine's free space must not make health "degraded"; left out
// when args has its own) plus any extra arguments and environment, learns the
// port from its "apicached: listening on HOST:PORT" line, and (by default) polls GET /v1/health
// until it answers 200, all under one deadline. Stop() sends SIGTERM and returns how the process
// ended; Kill() sends SIGKILL. Restart() starts again on the same data dir. Everything the
// daemon writes to stdout and stderr is captured (output()), so a failing test can show it.
//
// Thread safety: one controlling thread per object.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace apicached::testing {

// The built apicached binary.
std::string DaemonBinaryPath();

// This process's environment with `extra` added (or replacing), as "NAME=value" strings.
std::vector<std::string> EnvironmentWith(
    const std::vector<std::pair<std::string, std::string>>& extra);

struct DaemonOptions {
  // After --listen/--data-dir/--config. The daemon refuses an option given twice: to choose the
  // address set listen_on_free_port = false and pass --listen; for the directory set data_dir.
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) ours
  std::string data_dir;             // empty: a fresh TempDir owned by the DaemonProcess
  bool listen_on_free_port = true;  // pass --listen 127.0.0.1:0
  bool wait_healthy = true;         // Start() also waits for GET /v1/health -> 200
  // Runs the daemon through this command (searched in PATH), e.g. {"setpriv", "--reuid=65534",
  // "--regid=65534", "--clear-groups", "--"}; empty: the binary directly.
  std::vector<std::string> command_prefix;
  std::chrono::milliseconds start_timeout{30'000};
};

class DaemonProcess {
 public:
  explicit DaemonProcess(DaemonOptions options = {});
  ~DaemonProcess();  // SIGKILL if still running
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Spawns and waits until ready (see above). REQUIRES: not running.
  ::testing::AssertionResult Start();

  // SIGTERM, then waits up to `timeout` for the exit. Returns the exit code (0..255), -signal if
  // it died of a signal, or nullopt if it is still running at the deadline (then killed).
  std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGKILL and reap.
  void Kill();
  // Sends a signal without waiting.
  void Signal(int sig);
  // Waits for the process to end by itself; same return as Stop().
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);

  // Stop() (expecting exit 0) then Start() on the same data dir.
  ::testing::AssertionResult Restart();

  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  uint16_t port() const { return port_; }
  // The memcached listener's port, learnt from its log line when args has --memcached-listen;
  // 0 otherwise.
  uint16_t memcached_port() const { return memcached_port_; }
  // The Redis listener's, the same way with --redis-listen.
  uint16_t redis_port() const { return redis_port_; }
  const std::string& data_dir() const { return data_dir_; }
  DaemonOptions& options() { return options_; }

  // All output so far (stdout and stderr interleaved).
  std::string output() const;
  // Waits until output() contains `text` at or after offset `from` (an earlier output_size(),
  // to wait for a line printed after that moment); false at the deadline.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout, size_t from = 0);
  size_t output_size() const;

  // GET /v1/health answers 200 now.
  bool Healthy() const;

 private:
  void ReapReader();

  DaemonOptions options_;
  std::unique_ptr<TempDir> own_dir_;
  std::string data_dir_;
  int pid_ = -1;
  uint16_t port_ = 0;
  uint16_t memcached_port_ = 0;
  uint16_t redis_port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable output_cv_;
  std::string output_;
  int output_fd_ = -1;
  std::thread reader_;
};

}  // namespace apicached::testing
