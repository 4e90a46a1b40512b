#include "tests/support/daemon_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "tests/support/http_client.h"

extern char** environ;

namespace apicached::testing {

namespace {
using SteadyClock = std::chrono::steady_clock;

std::optional<int> DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return std::nullopt;
}
}  // namespace

std::string DaemonBinaryPath() {
  return APICACHED_BINARY;
}

std::vector<std::string> EnvironmentWith(
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::map<std::string, std::string> env_map;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    size_t eq = kv.find('=');
    if (eq != std::string::npos) env_map[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : extra) env_map[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env_map) out.push_back(k + "=" + v);
  return out;
}

DaemonProcess::DaemonProcess(DaemonOptions options) : options_(std::move(options)) {
  if (options_.data_dir.empty()) {
    own_dir_ = std::make_unique<TempDir>();
    data_dir_ = own_dir_->Sub("data");
  } else {
    data_dir_ = options_.data_dir;
  }
}

DaemonProcess::~DaemonProcess() {
  if (running()) Kill();
  ReapReader();
}

::testing::AssertionResult DaemonProcess::Start() {
  if (running()) return ::testing::AssertionFailure() << "already running";
  ReapReader();
  {
    std::lock_guard lock(mu_);
    output_.clear();
  }
  std::vector<std::string> args = options_.command_prefix;
  args.push_back(DaemonBinaryPath());
  if (options_.listen_on_free_port) {
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  }
  args.insert(args.end(), {"--data-dir", data_dir_});
  auto has_flag = [&](const std::string& flag) {
    return std::any_of(options_.args.begin(), options_.args.end(), [&](const std::string& a) {
      return a == flag || a.starts_with(flag + "=");
    });
  };
  // Never the machine's /etc/apicached/apicached.conf: only a --config the test passes.
  if (!has_flag("--config")) args.insert(args.end(), {"--config", ""});
  // The free space of the machine's temp file system is not the test's to choose: below the
  // default floor (1 GiB) health says "degraded" and eviction, when on, evicts to keep it free.
  // A test about the floor passes its own --min-free-disk-bytes.
  if (!has_flag("--min-free-disk-bytes")) args.insert(args.end(), {"--min-free-disk-bytes", "0"});
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_strings = EnvironmentWith(options_.env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return ::testing::AssertionFailure() << "pipe: " << std::strerror(errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return ::testing::AssertionFailure() << "posix_spawnp " << argv[0] << ": " << std::strerror(rc);
  }
  pid_ = pid;
  output_fd_ = pipe_fds[0];
  reader_ = std::thread([this, fd = output_fd_] {
    char buf[4096];
    while (true) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (n <= 0) {
        output_cv_.notify_all();
        return;
      }
      output_.append(buf, static_cast<size_t>(n));
      output_cv_.notify_all();
    }
  });

  const auto deadline = SteadyClock::now() + options_.start_timeout;
  const bool memcached = has_flag("--memcached-listen");
  const bool redis = has_flag("--redis-listen");
  // The listeners' log lines: "apicached: listening on HOST:PORT", and with --memcached-listen
  // (--redis-listen) "apicached: memcached (redis) listening on HOST:PORT".
  memcached_port_ = 0;
  redis_port_ = 0;
  for (const auto& [marker, port] :
       {std::pair<std::string, uint16_t*>{"apicached: listening on ", &port_},
        std::pair<std::string, uint16_t*>{"apicached: memcached listening on ",
                                          memcached ? &memcached_port_ : nullptr},
        std::pair<std::string, uint16_t*>{"apicached: redis listening on ",
                                          redis ? &redis_port_ : nullptr}}) {
    if (port == nullptr) continue;
    const std::string& wanted = marker;  // clang 14 cannot capture a structured binding
    std::unique_lock lock(mu_);
    bool seen = output_cv_.wait_until(lock, deadline, [&] {
      size_t at = output_.find(wanted);
      return at != std::string::npos && output_.find('\n', at) != std::string::npos;
    });
    if (!seen) {
      std::string out = output_;
      lock.unlock();
      Kill();
      return ::testing::AssertionFailure()
             << "no '" << marker << "' line within the deadline; output:\n"
             << out;
    }
    size_t at = output_.find(marker) + marker.size();
    std::string line = output_.substr(at, output_.find('\n', at) - at);
    *port = static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
  }
  if (!options_.wait_healthy) return ::testing::AssertionSuccess();
  // Poll health with the same deadline (the daemon is normally ready as it prints the line).
  while (SteadyClock::now() < deadline) {
    if (Healthy()) return ::testing::AssertionSuccess();
    std::unique_lock lock(mu_);
    output_cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  std::string out = output();
  Kill();
  return ::testing::AssertionFailure() << "/v1/health never answered 200; output:\n" << out;
}

bool DaemonProcess::Healthy() const {
  try {
    HttpClient client(port_, std::chrono::seconds(2));
    return client.Get("/v1/health").result_int() == 200;
  } catch (const std::exception&) {
    return false;
  }
}

void DaemonProcess::Signal(int sig) {
  if (running()) kill(pid_, sig);
}

std::optional<int> DaemonProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (!running()) return std::nullopt;
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      ReapReader();
      return DecodeWaitStatus(status);
    }
    if (SteadyClock::now() >= deadline) return std::nullopt;
    // The reader thread wakes us on every output line; otherwise re-check every 10 ms.
    std::unique_lock lock(mu_);
    output_cv_.wait_for(lock, std::chrono::milliseconds(10));
  }
}

std::optional<int> DaemonProcess::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return std::nullopt;
  Signal(SIGTERM);
  auto code = WaitExit(timeout);
  if (!code && running()) Kill();
  return code;
}

void DaemonProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ReapReader();
}

::testing::AssertionResult DaemonProcess::Restart() {
  auto code = Stop();
  if (code != 0) {
    return ::testing::AssertionFailure()
           << "stop before restart ended with " << (code ? std::to_string(*code) : "a timeout")
           << "; output:\n"
           << output();
  }
  return Start();
}

std::string DaemonProcess::output() const {
  std::lock_guard lock(mu_);
  return output_;
}

bool DaemonProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout,
                                  size_t from) {
  std::unique_lock lock(mu_);
  return output_cv_.wait_for(lock, timeout,
                             [&] { return output_.find(text, from) != std::string::npos; });
}

size_t DaemonProcess::output_size() const {
  std::lock_guard lock(mu_);
  return output_.size();
}

void DaemonProcess::ReapReader() {
  // The reader ends at EOF, i.e. once the daemon (and anything it forked) closed the pipe.
  if (reader_.joinable() && !running()) {
    reader_.join();
    close(output_fd_);
    output_fd_ = -1;
  }
}

}  // namespace apicached::testing
