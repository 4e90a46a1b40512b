#include "tests/daemon/service_test_util.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/daemon_process.h"

namespace apicached::testing {

DaemonOptions Daemon(std::vector<std::string> args,
                     std::vector<std::pair<std::string, std::string>> env,
                     bool listen_on_free_port) {
  DaemonOptions options;
  options.args = std::move(args);
  options.env = std::move(env);
  options.listen_on_free_port = listen_on_free_port;
  return options;
}

void WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunApicached(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {DaemonBinaryPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpHeaders Bearer(const std::string& token) {
  return {{bhttp::field::authorization, "Bearer " + token}};
}

nlohmann::json BodyJson(const HttpResponse& res) {
  return nlohmann::json::parse(res.body(), nullptr, false);
}

std::optional<int64_t> MaxAge(const HttpResponse& res) {
  auto it = res.find(bhttp::field::cache_control);
  if (it == res.end()) return std::nullopt;
  std::string v(it->value());
  size_t at = v.find("max-age=");
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(v.substr(at + 8));
}

SpawnedProcess::SpawnedProcess(const std::vector<std::string>& argv_in,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               int listen_fd) {
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = EnvironmentWith(env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  // dup2 onto 3 clears close-on-exec (REQUIRES listen_fd != 3, see the callers).
  if (listen_fd >= 0) posix_spawn_file_actions_adddup2(&actions, listen_fd, 3);
  int rc = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    pid_ = -1;
    throw std::runtime_error("posix_spawn " + args[0] + ": " + std::strerror(rc));
  }
  out_fd_ = pipe_fds[0];
}

SpawnedProcess::~SpawnedProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) ::close(out_fd_);
}

void SpawnedProcess::ReadAvailable(int timeout_ms) {
  if (out_fd_ < 0) return;
  pollfd p{out_fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  char buf[4096];
  ssize_t n = ::read(out_fd_, buf, sizeof(buf));
  if (n > 0) {
    output_.append(buf, static_cast<size_t>(n));
  } else if (n == 0) {
    ::close(out_fd_);
    out_fd_ = -1;
  }
}

bool SpawnedProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (output_.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || out_fd_ < 0) return output_.find(text) != std::string::npos;
    ReadAvailable(static_cast<int>(left.count()));
  }
  return true;
}

std::optional<int> SpawnedProcess::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      while (out_fd_ >= 0) ReadAvailable(1000);
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return -WTERMSIG(status);
    }
    ReadAvailable(10);  // also paces the loop
  }
  return std::nullopt;  // the destructor kills it
}

}  // namespace apicached::testing
