#include "daemon/socket_activation.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

// An fd closed at scope exit.
struct OwnedFd {
  int fd = -1;
  explicit OwnedFd(int f) : fd(f) {}
  ~OwnedFd() {
    if (fd >= 0) ::close(fd);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
};

// A TCP socket bound to host on an ephemeral port; listening when listen is true.
int TcpSocket(int family, const char* host, bool listen, int type = SOCK_STREAM) {
  int fd = ::socket(family, type, 0);
  if (fd < 0) return -1;
  if (family == AF_INET) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, host, &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  } else {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, host, &addr.sin6_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  }
  if (listen && ::listen(fd, 16) != 0) return -1;
  return fd;
}

int PortOf(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
}

// A free pair of consecutive descriptors well above what the test process uses.
constexpr int kBase = 200;

std::string Pid() {
  return std::to_string(::getpid());
}

TEST(DescribeListeningSocketTest, DescribesALoopbackIpv4Listener) {
  OwnedFd sock(TcpSocket(AF_INET, "127.0.0.1", true));
  ASSERT_GE(sock.fd, 0);
  Result<ListenFd> d = DescribeListeningSocket(sock.fd);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->fd, sock.fd);
  EXPECT_EQ(d->address, "127.0.0.1:" + std::to_string(PortOf(sock.fd)));
  EXPECT_TRUE(d->loopback);
}

TEST(DescribeListeningSocketTest, FlagsAWildcardListenerAsNotLoopback) {
  OwnedFd sock(TcpSocket(AF_INET, "0.0.0.0", true));
  ASSERT_GE(sock.fd, 0);
  Result<ListenFd> d = DescribeListeningSocket(sock.fd);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_FALSE(d->loopback);
  EXPECT_EQ(d->address.rfind("0.0.0.0:", 0), 0u) << d->address;
}

TEST(DescribeListeningSocketTest, DescribesAnIpv6LoopbackListener) {
  OwnedFd sock(TcpSocket(AF_INET6, "::1", true));
  if (sock.fd < 0) GTEST_SKIP() << "IPv6 loopback is not available on this machine";
  Result<ListenFd> d = DescribeListeningSocket(sock.fd);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->address, "[::1]:" + std::to_string(PortOf(sock.fd)));
  EXPECT_TRUE(d->loopback);
}

TEST(DescribeListeningSocketTest, RejectsWhatIsNotAListeningTcpSocket) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  OwnedFd r(pipe_fds[0]), w(pipe_fds[1]);
  Result<ListenFd> d = DescribeListeningSocket(r.fd);
  EXPECT_EQ(d.code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("not a socket"), std::string::npos) << d.status().ToString();

  OwnedFd udp(TcpSocket(AF_INET, "127.0.0.1", false, SOCK_DGRAM));
  ASSERT_GE(udp.fd, 0);
  d = DescribeListeningSocket(udp.fd);
  EXPECT_NE(d.status().message().find("not a stream"), std::string::npos) << d.status().ToString();

  OwnedFd bound(TcpSocket(AF_INET, "127.0.0.1", false));
  ASSERT_GE(bound.fd, 0);
  d = DescribeListeningSocket(bound.fd);
  EXPECT_NE(d.status().message().find("not listening"), std::string::npos) << d.status().ToString();

  testing::TempDir dir;
  OwnedFd unix_sock(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = dir.Sub("s");
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(unix_sock.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(unix_sock.fd, 1), 0);
  d = DescribeListeningSocket(unix_sock.fd);
  EXPECT_NE(d.status().message().find("TCP only"), std::string::npos) << d.status().ToString();

  d = DescribeListeningSocket(987);
  EXPECT_NE(d.status().message().find("not open"), std::string::npos) << d.status().ToString();
}

TEST(ParseListenFdsTest, NotActivatedWhenTheVariablesAreMissing) {
  Result<std::vector<ListenFd>> fds = ParseListenFds(nullptr, nullptr, nullptr, ::getpid());
  ASSERT_TRUE(fds.ok());
  EXPECT_TRUE(fds->empty());
  fds = ParseListenFds(Pid().c_str(), nullptr, nullptr, ::getpid());
  ASSERT_TRUE(fds.ok());
  EXPECT_TRUE(fds->empty());
}

TEST(ParseListenFdsTest, IgnoresFdsMeantForAnotherProcess) {
  std::string other = std::to_string(::getpid() + 1);
  Result<std::vector<ListenFd>> fds = ParseListenFds(other.c_str(), "1", nullptr, ::getpid(), 987);
  ASSERT_TRUE(fds.ok()) << fds.status().ToString();
  EXPECT_TRUE(fds->empty());
}

TEST(ParseListenFdsTest, ReturnsTheListeningSocketsWithTheirNames) {
  OwnedFd a(TcpSocket(AF_INET, "127.0.0.1", true));
  OwnedFd b(TcpSocket(AF_INET, "127.0.0.1", true));
  ASSERT_GE(a.fd, 0);
  ASSERT_GE(b.fd, 0);
  ASSERT_EQ(::dup2(a.fd, kBase), kBase);  // without close-on-exec, as systemd passes them
  ASSERT_EQ(::dup2(b.fd, kBase + 1), kBase + 1);
  OwnedFd da(kBase), db(kBase + 1);

  Result<std::vector<ListenFd>> fds =
      ParseListenFds(Pid().c_str(), "2", "http:admin", ::getpid(), kBase);
  ASSERT_TRUE(fds.ok()) << fds.status().ToString();
  ASSERT_EQ(fds->size(), 2u);
  EXPECT_EQ((*fds)[0].fd, kBase);
  EXPECT_EQ((*fds)[0].name, "http");
  EXPECT_EQ((*fds)[0].address, "127.0.0.1:" + std::to_string(PortOf(a.fd)));
  EXPECT_EQ((*fds)[1].fd, kBase + 1);
  EXPECT_EQ((*fds)[1].name, "admin");
  EXPECT_NE(::fcntl(kBase, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(::fcntl(kBase + 1, F_GETFD) & FD_CLOEXEC, 0);

  fds = ParseListenFds(Pid().c_str(), "1", nullptr, ::getpid(), kBase);
  ASSERT_TRUE(fds.ok());
  EXPECT_EQ((*fds)[0].name, "unknown");
}

TEST(ParseListenFdsTest, RejectsMalformedValues) {
  std::string pid = Pid();
  struct Case {
    const char* pid;
    const char* fds;
    const char* names;
    const char* expect;
  } cases[] = {
      {"abc", "1", nullptr, "LISTEN_PID"},         {"", "1", nullptr, "LISTEN_PID"},
      {pid.c_str(), "x", nullptr, "LISTEN_FDS"},   {pid.c_str(), "-1", nullptr, "LISTEN_FDS"},
      {pid.c_str(), "0", nullptr, "LISTEN_FDS"},   {pid.c_str(), "100000", nullptr, "LISTEN_FDS"},
      {pid.c_str(), "2", "one", "LISTEN_FDNAMES"},
  };
  for (const Case& c : cases) {
    Result<std::vector<ListenFd>> fds = ParseListenFds(c.pid, c.fds, c.names, ::getpid(), 987);
    EXPECT_EQ(fds.code(), Code::kInvalidArgument) << c.pid << " " << c.fds;
    EXPECT_NE(fds.status().message().find(c.expect), std::string::npos) << fds.status().ToString();
  }
}

TEST(ParseListenFdsTest, RejectsAPassedFdThatIsNotAListeningSocket) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  OwnedFd r(pipe_fds[0]), w(pipe_fds[1]);
  Result<std::vector<ListenFd>> fds = ParseListenFds(Pid().c_str(), "1", nullptr, ::getpid(), r.fd);
  EXPECT_EQ(fds.code(), Code::kInvalidArgument);
  EXPECT_NE(fds.status().message().find("fd " + std::to_string(r.fd)), std::string::npos)
      << fds.status().ToString();
}

// The whole protocol as systemd runs it: the socket at fd 3, the variables in the environment.
// Runs in a child process so that fd 3 and the environment of the test process stay untouched.
TEST(TakeListenFdsTest, TakesFd3FromTheEnvironmentAndUnsetsIt) {
  OwnedFd sock(TcpSocket(AF_INET, "127.0.0.1", true));
  ASSERT_GE(sock.fd, 0);
  std::string expected = "127.0.0.1:" + std::to_string(PortOf(sock.fd));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::dup2(sock.fd, kFirstListenFd) != kFirstListenFd) ::_exit(10);
    std::string pid = std::to_string(::getpid());
    ::setenv("LISTEN_PID", pid.c_str(), 1);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_FDNAMES", "apicached.socket", 1);
    Result<std::vector<ListenFd>> fds = TakeListenFds();
    if (!fds.ok()) ::_exit(11);
    if (fds->size() != 1 || (*fds)[0].fd != kFirstListenFd) ::_exit(12);
    if ((*fds)[0].name != "apicached.socket" || (*fds)[0].address != expected) ::_exit(13);
    if (std::getenv("LISTEN_PID") || std::getenv("LISTEN_FDS") || std::getenv("LISTEN_FDNAMES")) {
      ::_exit(14);
    }
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  EXPECT_EQ(WEXITSTATUS(wstatus), 0) << "child failed at check " << WEXITSTATUS(wstatus);
}

}  // namespace
}  // namespace apicached
