// A real Prometheus server (Debian package `prometheus`) scrapes the real daemon on loopback;
// its HTTP API must show the target up and a hit counter with the value we caused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "http/text_codec.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace apicached::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr auto kDeadline = std::chrono::seconds(60);
constexpr auto kPollPause = std::chrono::milliseconds(100);

// A loopback port nobody listens on right now (the kernel's pick for a socket we close again).
uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The prometheus server process, SIGTERMed (then SIGKILLed) when it goes out of scope.
class PrometheusProcess {
 public:
  PrometheusProcess(const TempDir& dir, uint16_t daemon_port) : dir_(dir) {
    port_ = FreeLoopbackPort();
    std::ofstream(dir.Sub("prometheus.yml"))
        << "global:\n"
        << "  scrape_interval: 1s\n"
        << "  scrape_timeout: 1s\n"
        << "scrape_configs:\n"
        << "  - job_name: apicached\n"
        << "    metrics_path: /metrics\n"
        << "    static_configs:\n"
        << "      - targets: ['127.0.0.1:" << daemon_port << "']\n";
    std::vector<std::string> args = {
        kPrometheus,
        "--config.file=" + dir.Sub("prometheus.yml"),
        "--storage.tsdb.path=" + dir.Sub("tsdb"),
        "--web.listen-address=127.0.0.1:" + std::to_string(port_),
        "--log.level=warn",
    };
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = dir.Sub("prometheus.log");
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    if (posix_spawn(&pid_, kPrometheus, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }

  ~PrometheusProcess() {
    if (pid_ <= 0) return;
    // Waits for the exit itself (a pidfd becomes readable), at most 10 s, then kills.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    ::kill(pid_, SIGTERM);
    pollfd exited{.fd = pidfd, .events = POLLIN, .revents = 0};
    if (pidfd < 0 || ::poll(&exited, 1, 10'000) != 1) ::kill(pid_, SIGKILL);
    if (pidfd >= 0) ::close(pidfd);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }

  bool started() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  std::string log() const { return ReadFile(dir_.Sub("prometheus.log")); }

  // GET on Prometheus's HTTP API; nullopt while it does not answer (still starting).
  std::optional<json> Api(const std::string& target) const {
    try {
      HttpClient client(port_, std::chrono::seconds(5));
      HttpResponse res = client.Get(target);
      if (res.result_int() != 200) return std::nullopt;
      json body = json::parse(res.body(), nullptr, /*allow_exceptions=*/false);
      if (body.is_discarded() || body.value("status", "") != "success") return std::nullopt;
      return body;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

 private:
  const TempDir& dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Polls fn (returning true when satisfied) until the deadline.
template <typename Fn>
bool PollUntil(Fn fn) {
  const auto deadline = Clock::now() + kDeadline;
  while (Clock::now() < deadline) {
    if (fn()) return true;
    std::this_thread::sleep_for(kPollPause);
  }
  return false;
}

TEST(PrometheusTest, ARealPrometheusScrapesTheDaemon) {
  if (::access(kPrometheus, X_OK) != 0) {
    GTEST_SKIP() << "\n*** /usr/bin/prometheus is NOT INSTALLED: no real Prometheus scraped the "
                    "daemon. ***\n*** Install the Debian package `prometheus` (CI must). ***";
  }
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  HttpClient client(daemon.port());
  ASSERT_EQ(client.Put("/v1/cache/migo/ruc:20100070970", R"({"ok":true})").result_int(), 201);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.Get("/v1/cache/migo/ruc:20100070970").result_int(), 200);
  }
  ASSERT_EQ(client.Get("/v1/cache/migo/ruc:missing").result_int(), 404);

  TempDir dir;
  PrometheusProcess prometheus(dir, daemon.port());
  ASSERT_TRUE(prometheus.started()) << "posix_spawn(" << kPrometheus << ") failed";

  std::string last;
  const bool up = PollUntil([&] {
    std::optional<json> targets = prometheus.Api("/api/v1/targets");
    if (!targets) return false;
    last = targets->dump();
    for (const json& target : (*targets)["data"]["activeTargets"]) {
      if (target.value("health", "") == "up") return true;
    }
    return false;
  });
  ASSERT_TRUE(up) << "target never up; last answer: " << last << "\nprometheus log:\n"
                  << prometheus.log();

  const std::string query =
      "/api/v1/query?query=" +
      http::PercentEncode(R"(apicached_cache_hits_total{job="apicached",cache_namespace="migo"})");
  const bool counted = PollUntil([&] {
    std::optional<json> answer = prometheus.Api(query);
    if (!answer) return false;
    last = answer->dump();
    const json& result = (*answer)["data"]["result"];
    return result.size() == 1 && result[0]["value"][1] == "3";
  });
  EXPECT_TRUE(counted) << "hit counter never 3; last answer: " << last << "\nprometheus log:\n"
                       << prometheus.log();

  const std::string misses =
      "/api/v1/query?query=" +
      http::PercentEncode(R"(apicached_cache_misses_total{cache_namespace="migo"})");
  std::optional<json> answer = prometheus.Api(misses);
  ASSERT_TRUE(answer.has_value());
  ASSERT_EQ((*answer)["data"]["result"].size(), 1u) << answer->dump();
  EXPECT_EQ((*answer)["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(daemon.Stop(), 0) << daemon.output();
}

}  // namespace
}  // namespace apicached::testing
