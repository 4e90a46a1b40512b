// DaemonUnderTest: the real apicached binary as a child process that a fault test can start,
// SIGKILL, stop gracefully and restart on the same data directory.
//
// Like tests/support/daemon_process.h, plus a command prefix (the read-only test runs the daemon
// as nobody through setpriv); it can go once DaemonOptions has one.
//
// Start() spawns `apicached --listen 127.0.0.1:0 --data-dir DIR --config '' [flags]` with stderr
// going to a log file, waits (polling, with a deadline) for the line "apicached: listening on H:P",
// then polls GET /v1/health until it answers (any status: a degraded store still answers).
// Client() gives an HTTP client for the current address (one connection per request).
//
// Thread safety: one controlling thread; Client() copies may be used from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/http_client.h"
#include "storage/status.h"

namespace apicached::testing {

class DaemonUnderTest {
 public:
  // binary: path of apicached; log_dir: where the per-start stderr logs go; command_prefix: run
  // through it, e.g. {"setpriv", "--reuid=nobody", ...} (empty: run the binary directly).
  DaemonUnderTest(std::string binary, std::string data_dir, std::string log_dir,
                  std::vector<std::string> command_prefix = {});
  ~DaemonUnderTest();  // SIGKILL if still running
  DaemonUnderTest(const DaemonUnderTest&) = delete;
  DaemonUnderTest& operator=(const DaemonUnderTest&) = delete;

  // Ok once the daemon listens and answers /v1/health; otherwise the reason plus its log, and
  // nothing is left running. REQUIRES: not running.
  Status Start(const std::vector<std::string>& extra_flags = {},
               std::chrono::seconds deadline = std::chrono::seconds(60));

  // SIGKILL and reap. No-op when not running.
  void Kill();

  // SIGTERM and wait for the exit; the exit code, or -signal when it died of a signal, or -1
  // when it had to be killed after the deadline.
  int Stop(std::chrono::seconds deadline = std::chrono::seconds(30));

  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  cli::HttpClient Client(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // The stderr of the latest start.
  std::string Log() const;

 private:
  std::string binary_;
  std::string data_dir_;
  std::string log_dir_;
  std::vector<std::string> command_prefix_;
  std::string log_path_;
  int starts_ = 0;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

// Convenience wrappers over cli::HttpClient::Send.
Result<cli::HttpResponse> Http(const cli::HttpClient& client, std::string method,
                               std::string target, std::string body = {},
                               std::string content_type = {});

}  // namespace apicached::testing
