#include "daemon/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace apicached {
namespace {

// Owns a file descriptor for the duration of one call.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string ErrnoText(int err) {
  return std::string(std::strerror(err));
}

std::optional<int64_t> ParsePositive(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  int64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

Notifier Notifier::FromEnvironment() {
  const char* address = std::getenv("NOTIFY_SOCKET");
  return Notifier(address == nullptr ? std::string() : std::string(address));
}

Status Notifier::Notify(std::string_view message) const {
  if (!enabled()) return Status::Ok();
  if (address_[0] != '/' && address_[0] != '@') {
    return Status::InvalidArgument("NOTIFY_SOCKET '" + address_ +
                                   "' is neither a path (/...) nor an abstract socket (@...)");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address_.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("NOTIFY_SOCKET '" + address_ + "' is longer than " +
                                   std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
  }
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  socklen_t addr_len = offsetof(sockaddr_un, sun_path) + address_.size();
  if (address_[0] == '@') {
    addr.sun_path[0] = '\0';  // abstract namespace: the name is not NUL-terminated
  } else {
    addr_len += 1;  // include the terminating NUL of a path
  }

  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    return Status::Unavailable("cannot create the notify socket: " + ErrnoText(errno));
  }
  ssize_t sent;
  do {
    sent = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), addr_len);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    return Status::Unavailable("cannot send to NOTIFY_SOCKET '" + address_ +
                               "': " + ErrnoText(errno));
  }
  if (static_cast<size_t>(sent) != message.size()) {
    return Status::Unavailable("short send to NOTIFY_SOCKET '" + address_ + "'");
  }
  return Status::Ok();
}

Status Notifier::SetStatus(std::string_view text) const {
  std::string message = "STATUS=";
  message.reserve(message.size() + text.size());
  for (char c : text) message.push_back(c == '\n' ? ' ' : c);
  return Notify(message);
}

Status Notifier::ExtendTimeout(std::chrono::microseconds by) const {
  return Notify("EXTEND_TIMEOUT_USEC=" + std::to_string(by.count() > 0 ? by.count() : 0));
}

std::optional<std::chrono::microseconds> WatchdogInterval() {
  std::optional<int64_t> usec = ParsePositive(std::getenv("WATCHDOG_USEC"));
  if (!usec) return std::nullopt;
  const char* pid_text = std::getenv("WATCHDOG_PID");
  if (pid_text != nullptr && *pid_text != '\0') {
    std::optional<int64_t> pid = ParsePositive(pid_text);
    if (!pid || *pid != static_cast<int64_t>(::getpid())) return std::nullopt;
  }
  return std::chrono::microseconds(*usec);
}

}  // namespace apicached
