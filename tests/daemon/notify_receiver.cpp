#include "tests/daemon/notify_receiver.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace apicached::testing {
namespace {

int BindDatagram(const std::string& sun_path_bytes) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sun_path_bytes.size() >= sizeof(addr.sun_path)) throw std::runtime_error("path too long");
  std::memcpy(addr.sun_path, sun_path_bytes.data(), sun_path_bytes.size());
  socklen_t len = offsetof(sockaddr_un, sun_path) + sun_path_bytes.size();
  if (sun_path_bytes[0] != '\0') len += 1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    int err = errno;
    ::close(fd);
    throw std::runtime_error(std::string("bind: ") + std::strerror(err));
  }
  return fd;
}

}  // namespace

NotifyReceiver NotifyReceiver::AtPath(const std::string& path) {
  return NotifyReceiver(BindDatagram(path), path);
}

NotifyReceiver NotifyReceiver::Abstract() {
  static std::atomic<int> counter{0};
  std::string name = "apicached-test-notify-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1));
  return NotifyReceiver(BindDatagram(std::string(1, '\0') + name), "@" + name);
}

NotifyReceiver::~NotifyReceiver() {
  if (fd_ >= 0) ::close(fd_);
}

NotifyReceiver::NotifyReceiver(NotifyReceiver&& other) noexcept
    : fd_(other.fd_), address_(std::move(other.address_)) {
  other.fd_ = -1;
}

std::optional<std::string> NotifyReceiver::Receive(std::chrono::milliseconds timeout) {
  pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return std::nullopt;
  char buf[4096];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

bool NotifyReceiver::WaitForLine(const std::string& line, std::chrono::milliseconds timeout,
                                 std::vector<std::string>* seen) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return false;
    std::optional<std::string> msg = Receive(left);
    if (!msg) return false;
    if (seen != nullptr) seen->push_back(*msg);
    if (HasLine(*msg, line)) return true;
  }
}

bool HasLine(const std::string& text, const std::string& line) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    size_t end = nl == std::string::npos ? text.size() : nl;
    if (text.compare(start, end - start, line) == 0) return true;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return false;
}

}  // namespace apicached::testing
