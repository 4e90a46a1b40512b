// Helpers of the tests that run the real apicached binary as a service (service_*_test.cpp).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/daemon/run_command.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {

// DaemonOptions with these extra arguments and environment variables.
DaemonOptions Daemon(std::vector<std::string> args,
                     std::vector<std::pair<std::string, std::string>> env = {},
                     bool listen_on_free_port = true);

void WriteTextFile(const std::string& path, const std::string& text);
std::string ReadTextFile(const std::string& path);

// Runs the apicached binary with args to completion (for runs that must fail at start-up or
// print --help). The output is stdout and stderr interleaved.
CommandResult RunApicached(const std::vector<std::string>& args);

// A TCP port free on 127.0.0.1 right now (bound to port 0, then closed).
uint16_t FreePort();

// "Authorization: Bearer <token>".
HttpHeaders Bearer(const std::string& token);

// The response body as JSON (a discarded value when it is not JSON).
nlohmann::json BodyJson(const HttpResponse& res);

// The seconds of "Cache-Control: max-age=N"; nullopt when absent.
std::optional<int64_t> MaxAge(const HttpResponse& res);

// A process spawned with argv and env added, with fd listen_fd (when >= 0) passed as fd 3 and its
// output captured; killed (SIGKILL) by the destructor if still running.
class SpawnedProcess {
 public:
  SpawnedProcess(const std::vector<std::string>& argv,
                 const std::vector<std::pair<std::string, std::string>>& env, int listen_fd = -1);
  ~SpawnedProcess();
  SpawnedProcess(const SpawnedProcess&) = delete;
  SpawnedProcess& operator=(const SpawnedProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads output until it contains text or the deadline passes.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  // SIGTERM and wait; the exit code, -signal, or nullopt at the deadline (then SIGKILL).
  std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  const std::string& output() const { return output_; }

 private:
  void ReadAvailable(int timeout_ms);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
};

}  // namespace apicached::testing
