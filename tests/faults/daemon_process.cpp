#include "tests/faults/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace apicached::testing {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(5);

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The port from "apicached: listening on 127.0.0.1:PORT", or 0 when the line is not there yet.
uint16_t ParsePort(const std::string& log) {
  static constexpr std::string_view kMarker = "apicached: listening on ";
  const size_t at = log.find(kMarker);
  if (at == std::string::npos) return 0;
  const size_t eol = log.find('\n', at);
  if (eol == std::string::npos) return 0;
  const std::string addr = log.substr(at + kMarker.size(), eol - at - kMarker.size());
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::stoul(addr.substr(colon + 1)));
}

}  // namespace

DaemonUnderTest::DaemonUnderTest(std::string binary, std::string data_dir, std::string log_dir,
                                 std::vector<std::string> command_prefix)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      log_dir_(std::move(log_dir)),
      command_prefix_(std::move(command_prefix)) {}

DaemonUnderTest::~DaemonUnderTest() {
  Kill();
}

Status DaemonUnderTest::Start(const std::vector<std::string>& extra_flags,
                              std::chrono::seconds deadline) {
  log_path_ = log_dir_ + "/daemon-" + std::to_string(++starts_) + ".log";
  std::vector<std::string> args = command_prefix_;
  for (const char* a : {binary_.c_str(), "--listen", "127.0.0.1:0", "--data-dir"})
    args.push_back(a);
  args.push_back(data_dir_);
  // No config file: an installed /etc/apicached/apicached.conf must not change the test.
  args.push_back("--config");
  args.push_back("");
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Status::Internal("cannot spawn " + args[0] + ": " + std::strerror(rc));
  pid_ = pid;
  port_ = 0;

  const auto until = Clock::now() + deadline;
  while (port_ == 0) {
    port_ = ParsePort(ReadWhole(log_path_));
    if (port_ != 0) break;
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("apicached exited during start-up; its log:\n" + Log());
    }
    if (Clock::now() > until) {
      Kill();
      return Status::Unavailable("apicached printed no address in time; its log:\n" + Log());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  const auto client = Client(std::chrono::seconds(2));
  while (true) {
    auto r = Http(client, "GET", "/v1/health");
    if (r.ok()) return Status::Ok();
    if (Clock::now() > until) {
      Kill();
      return Status::Unavailable("/v1/health never answered: " + r.status().message() + "; log:\n" +
                                 Log());
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void DaemonUnderTest::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

int DaemonUnderTest::Stop(std::chrono::seconds deadline) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto until = Clock::now() + deadline;
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
    if (Clock::now() > until) {
      Kill();
      return -1;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  pid_ = -1;
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  return WIFSIGNALED(wstatus) ? -WTERMSIG(wstatus) : -1;
}

cli::HttpClient DaemonUnderTest::Client(std::chrono::milliseconds timeout) const {
  return cli::HttpClient(cli::BaseUrl{"127.0.0.1", std::to_string(port_), ""}, "", timeout);
}

std::string DaemonUnderTest::Log() const {
  return ReadWhole(log_path_);
}

Result<cli::HttpResponse> Http(const cli::HttpClient& client, std::string method,
                               std::string target, std::string body, std::string content_type) {
  cli::HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  return client.Send(req);
}

}  // namespace apicached::testing
