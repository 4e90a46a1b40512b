#include "daemon/socket_activation.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace apicached {
namespace {

// LISTEN_FDS beyond this is a corrupt environment, not a real configuration.
constexpr int64_t kMaxListenFds = 1024;

std::string FdText(int fd) {
  return "socket-activation fd " + std::to_string(fd);
}

Result<int64_t> ParseNonNegative(const char* name, const char* text) {
  int64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (*text == '\0' || ec != std::errc() || ptr != end || value < 0) {
    return Status::InvalidArgument(std::string(name) + "='" + text +
                                   "' is not a non-negative integer");
  }
  return value;
}

std::vector<std::string> SplitNames(std::string_view names) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t colon = names.find(':', start);
    out.emplace_back(names.substr(start, colon == std::string_view::npos ? colon : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out;
}

}  // namespace

Result<ListenFd> DescribeListeningSocket(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return Status::InvalidArgument(FdText(fd) + " is not open: " + std::strerror(errno));
  }
  if (!S_ISSOCK(st.st_mode)) return Status::InvalidArgument(FdText(fd) + " is not a socket");

  int type = 0;
  socklen_t len = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    return Status::InvalidArgument(FdText(fd) + " is not a stream (TCP) socket");
  }
  int listening = 0;
  len = sizeof(listening);
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0) {
    return Status::InvalidArgument(FdText(fd) + " is not listening");
  }

  sockaddr_storage addr{};
  len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return Status::InvalidArgument(FdText(fd) + ": getsockname failed: " + std::strerror(errno));
  }
  ListenFd out;
  out.fd = fd;
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof(host));
    out.address = std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
    out.loopback = (ntohl(in.sin_addr.s_addr) >> 24) == 127;
  } else if (addr.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof(host));
    out.address = "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
    bool v4_loopback = IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127;
    out.loopback = IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr) || v4_loopback;
  } else {
    return Status::InvalidArgument(FdText(fd) +
                                   " is not an IPv4 or IPv6 socket (apicached serves TCP only)");
  }
  return out;
}

Result<std::vector<ListenFd>> ParseListenFds(const char* listen_pid, const char* listen_fds,
                                             const char* listen_fdnames, pid_t self, int first_fd) {
  std::vector<ListenFd> out;
  if (listen_pid == nullptr || listen_fds == nullptr) return out;

  Result<int64_t> pid = ParseNonNegative("LISTEN_PID", listen_pid);
  if (!pid.ok()) return pid.status();
  if (*pid != static_cast<int64_t>(self)) return out;  // meant for another process

  Result<int64_t> count = ParseNonNegative("LISTEN_FDS", listen_fds);
  if (!count.ok()) return count.status();
  if (*count == 0 || *count > kMaxListenFds) {
    return Status::InvalidArgument("LISTEN_FDS=" + std::to_string(*count) + " is out of range 1.." +
                                   std::to_string(kMaxListenFds));
  }

  std::vector<std::string> names;
  if (listen_fdnames != nullptr) {
    names = SplitNames(listen_fdnames);
    if (static_cast<int64_t>(names.size()) != *count) {
      return Status::InvalidArgument("LISTEN_FDNAMES has " + std::to_string(names.size()) +
                                     " names for LISTEN_FDS=" + std::to_string(*count));
    }
  }

  for (int64_t i = 0; i < *count; ++i) {
    int fd = first_fd + static_cast<int>(i);
    Result<ListenFd> described = DescribeListeningSocket(fd);
    if (!described.ok()) return described.status();
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) {
      return Status::InvalidArgument(FdText(fd) +
                                     ": cannot set close-on-exec: " + std::strerror(errno));
    }
    described->name = names.empty() ? "unknown" : names[i];
    out.push_back(std::move(*described));
  }
  return out;
}

Result<std::vector<ListenFd>> TakeListenFds() {
  auto result = ParseListenFds(std::getenv("LISTEN_PID"), std::getenv("LISTEN_FDS"),
                               std::getenv("LISTEN_FDNAMES"), ::getpid());
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return result;
}

}  // namespace apicached
