// The real apicached binary under its service manager's eyes: SIGTERM during load, SIGHUP
// reload, the notify protocol (READY, STATUS, WATCHDOG, STOPPING) on a real datagram socket,
// and socket activation.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "tests/daemon/notify_receiver.h"
#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

TEST(ServiceLifecycleTest, SigtermDuringLoadCutsNoResponseAndLosesNoAcknowledgedWrite) {
  DaemonOptions options;
  options.args = {"--io-threads", "2"};
  DaemonProcess d(options);
  ASSERT_TRUE(d.Start());
  const uint16_t port = d.port();

  constexpr int kThreads = 4;
  std::mutex mu;
  std::set<std::string> acknowledged;  // keys whose PUT got 201
  std::atomic<int> cut{0};
  std::atomic<int> responses{0};
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(port, 5s);
      for (int i = 0;; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        try {
          HttpResponse put = c.Put("/v1/cache/load/" + key, "value-" + key);
          ++responses;
          if (put.result_int() == 201) {
            std::lock_guard lock(mu);
            acknowledged.insert(key);
          }
          HttpResponse get = c.Get("/v1/cache/load/" + key);
          ++responses;
          if (put.result_int() == 201 && get.result_int() == 200 && get.body() != "value-" + key) {
            std::lock_guard lock(mu);
            errors.push_back("wrong body for " + key + ": " + get.body());
          }
        } catch (const std::exception& e) {
          // The daemon closed or refused the connection: the load ends here. A response that
          // started but did not finish is the failure this test looks for.
          std::string what = e.what();
          if (what.find("partial message") != std::string::npos) ++cut;
          std::lock_guard lock(mu);
          if (what.find("partial message") != std::string::npos) errors.push_back(what);
          return;
        }
      }
    });
  }
  // Let the load run until plenty of requests were answered, then stop mid-stream.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (responses.load() < 400 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GE(responses.load(), 400) << "the load never got going";
  d.Signal(SIGTERM);
  auto code = d.WaitExit(20s);
  for (auto& th : threads) th.join();
  EXPECT_EQ(code, 0) << d.output();
  EXPECT_EQ(cut.load(), 0);
  for (const std::string& e : errors) ADD_FAILURE() << e;
  EXPECT_NE(d.output().find("stopped cleanly"), std::string::npos) << d.output();

  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  size_t missing = 0;
  for (const std::string& key : acknowledged) {
    HttpResponse get = c.Get("/v1/cache/load/" + key);
    if (get.result_int() != 200 || get.body() != "value-" + key) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GT(acknowledged.size(), 100u);
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceLifecycleTest, SigintStopsCleanlyToo) {
  DaemonProcess d;
  ASSERT_TRUE(d.Start());
  d.Signal(SIGINT);
  EXPECT_EQ(d.WaitExit(20s), 0);
  EXPECT_NE(d.output().find("stopping on SIGINT"), std::string::npos) << d.output();
}

TEST(ServiceLifecycleTest, SighupReloadsTtlDefaultsAndLogLevel) {
  TempDir dir;
  const std::string conf = dir.Sub("apicached.conf");
  WriteTextFile(conf, "default-ttl = 1000\nns-ttl = ratelimit=60\n");
  DaemonProcess d(Daemon({"--config", conf}));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  ASSERT_EQ(c.Put("/v1/cache/misc/before", "v").result_int(), 201);
  ASSERT_EQ(c.Put("/v1/cache/ratelimit/before", "v").result_int(), 201);
  EXPECT_LE(*MaxAge(c.Get("/v1/cache/misc/before")), 1000);
  EXPECT_GT(*MaxAge(c.Get("/v1/cache/misc/before")), 990);

  WriteTextFile(conf, "default-ttl = 200\nns-ttl = ratelimit=30\nlog-level = debug\n");
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForOutput("reloaded " + conf, 10s)) << d.output();
  ASSERT_TRUE(d.WaitForOutput("\n", 1s));
  const std::string out = d.output();
  EXPECT_NE(out.find("TTL defaults (default-ttl 200, ratelimit=30)"), std::string::npos) << out;
  EXPECT_NE(out.find("log-level debug"), std::string::npos) << out;

  ASSERT_EQ(c.Put("/v1/cache/misc/after", "v").result_int(), 201);
  auto age = MaxAge(c.Get("/v1/cache/misc/after"));
  ASSERT_TRUE(age.has_value());
  EXPECT_LE(*age, 200);
  EXPECT_GT(*age, 190);
  EXPECT_GT(*MaxAge(c.Get("/v1/cache/misc/before")), 900);  // earlier writes keep their TTL
  EXPECT_EQ(BodyJson(c.Get("/v1/cache/ratelimit"))["default_ttl_seconds"], 30);

  // A broken file keeps the running settings.
  WriteTextFile(conf, "default-ttl = soon\n");
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForOutput("reload failed", 10s)) << d.output();
  ASSERT_EQ(c.Put("/v1/cache/misc/later", "v").result_int(), 201);
  EXPECT_LE(*MaxAge(c.Get("/v1/cache/misc/later")), 200);
  EXPECT_GT(*MaxAge(c.Get("/v1/cache/misc/later")), 190);
  EXPECT_EQ(d.Stop(), 0);
}  // namespace

// Receives the daemon's notifications until STOPPING=1 (after SIGTERM).
void CheckNotifications(NotifyReceiver& receiver) {
  DaemonProcess d(Daemon({}, {{"NOTIFY_SOCKET", receiver.address()}, {"WATCHDOG_USEC", "200000"}}));
  ASSERT_TRUE(d.Start());
  std::vector<std::string> seen;
  ASSERT_TRUE(receiver.WaitForLine("READY=1", 10s, &seen)) << d.output();
  std::string all;
  for (const std::string& m : seen) all += m + "\n";
  EXPECT_NE(all.find("STATUS=opening the store in " + d.data_dir()), std::string::npos) << all;
  EXPECT_NE(all.find("EXTEND_TIMEOUT_USEC="), std::string::npos) << all;
  EXPECT_NE(all.find("STATUS=serving on 127.0.0.1:" + std::to_string(d.port())), std::string::npos)
      << all;
  // WATCHDOG=1 every 100 ms: two of them well within a few seconds.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(receiver.WaitForLine("WATCHDOG=1", 5s, &seen)) << "watchdog ping " << i;
  }
  d.Signal(SIGTERM);
  ASSERT_TRUE(receiver.WaitForLine("STOPPING=1", 10s, &seen));
  EXPECT_EQ(d.WaitExit(20s), 0) << d.output();
}

TEST(ServiceLifecycleTest, NotifiesReadyStatusWatchdogAndStoppingOnAPathSocket) {
  TempDir dir;
  NotifyReceiver receiver = NotifyReceiver::AtPath(dir.Sub("notify.sock"));
  CheckNotifications(receiver);
}

TEST(ServiceLifecycleTest, NotifiesOnAnAbstractSocket) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  CheckNotifications(receiver);
}

TEST(ServiceLifecycleTest, SighupSendsReloadingThenReady) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  DaemonProcess d(Daemon({}, {{"NOTIFY_SOCKET", receiver.address()}}));
  ASSERT_TRUE(d.Start());
  std::vector<std::string> seen;
  ASSERT_TRUE(receiver.WaitForLine("READY=1", 10s, &seen));
  d.Signal(SIGHUP);
  ASSERT_TRUE(receiver.WaitForLine("RELOADING=1", 10s, &seen));
  seen.clear();
  ASSERT_TRUE(receiver.WaitForLine("READY=1", 10s, &seen));
  EXPECT_NE(seen.back().find("reloaded: nothing changed"), std::string::npos) << seen.back();
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceLifecycleTest, WatchdogCanBeTurnedOff) {
  NotifyReceiver receiver = NotifyReceiver::Abstract();
  DaemonProcess d(Daemon({"--watchdog=false"},
                         {{"NOTIFY_SOCKET", receiver.address()}, {"WATCHDOG_USEC", "200000"}}));
  ASSERT_TRUE(d.Start());
  std::vector<std::string> seen;
  ASSERT_TRUE(receiver.WaitForLine("READY=1", 10s, &seen));
  d.Signal(SIGTERM);
  ASSERT_TRUE(receiver.WaitForLine("STOPPING=1", 10s, &seen));
  for (const std::string& m : seen) EXPECT_FALSE(HasLine(m, "WATCHDOG=1")) << m;
  EXPECT_EQ(d.WaitExit(20s), 0);
}

// A listening socket on 127.0.0.1, never on fd 3 itself (fd 3 is where the child gets it).
int ListeningSocket(uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == 3) {
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
    ::close(fd);
    fd = moved;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 64) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST(ServiceLifecycleTest, ServesTheSocketPassedBySocketActivation) {
  TempDir dir;
  uint16_t port = 0;
  int fd = ListeningSocket(&port);
  ASSERT_GE(fd, 0);
  // LISTEN_PID must be the daemon's own pid: the shell sets it to $$ and execs the daemon.
  SpawnedProcess p({"/bin/sh", "-c",
                    "LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=apicached.socket "
                    "exec \"$0\" \"$@\"",
                    DaemonBinaryPath(), "--config", "", "--data-dir", dir.Sub("data"),
                    // ignored under socket activation
                    "--listen", "127.0.0.1:1"},
                   {}, fd);
  ::close(fd);  // the daemon holds the only copy now
  ASSERT_TRUE(p.WaitForOutput("listening on 127.0.0.1:" + std::to_string(port), 30s)) << p.output();
  EXPECT_NE(p.output().find("using the socket passed by systemd (apicached.socket"),
            std::string::npos)
      << p.output();
  HttpClient c(port);
  EXPECT_EQ(c.Get("/v1/health").result_int(), 200);
  EXPECT_EQ(c.Put("/v1/cache/ns/k", "v").result_int(), 201);
  EXPECT_EQ(p.Stop(), 0) << p.output();
}

TEST(ServiceLifecycleTest, WorksUnderSystemdSocketActivate) {
  if (!HaveProgram("systemd-socket-activate")) {
    GTEST_SKIP() << "SKIPPED LOUDLY: systemd-socket-activate not found (Debian package systemd)";
  }
  TempDir dir;
  const uint16_t port = FreePort();
  SpawnedProcess p({"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port),
                    DaemonBinaryPath(), "--config", "", "--data-dir", dir.Sub("data")},
                   {});
  ASSERT_TRUE(p.WaitForOutput("Listening on", 10s)) << p.output();
  // The daemon starts on the first connection; this request waits in the backlog until then.
  HttpClient c(port, 30s);
  EXPECT_EQ(c.Get("/v1/health").result_int(), 200) << p.output();
  ASSERT_TRUE(p.WaitForOutput("using the socket passed by systemd", 5s)) << p.output();
  EXPECT_EQ(p.Stop(), 0) << p.output();
}

}  // namespace
}  // namespace apicached::testing
