// A real AF_UNIX SOCK_DGRAM socket standing in for systemd's notify socket in tests: bound to a
// path or to an abstract name, it receives the datagrams a Notifier (or the daemon) sends.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace apicached::testing {

class NotifyReceiver {
 public:
  // Binds to a filesystem path.
  static NotifyReceiver AtPath(const std::string& path);
  // Binds to a unique abstract name; address() is "@name".
  static NotifyReceiver Abstract();

  ~NotifyReceiver();
  NotifyReceiver(NotifyReceiver&& other) noexcept;
  NotifyReceiver& operator=(NotifyReceiver&&) = delete;

  // The value to put in NOTIFY_SOCKET.
  const std::string& address() const { return address_; }

  // The next datagram, or nullopt when none arrives within timeout.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);

  // Receives until a datagram contains a line equal to `line` (e.g. "READY=1") or the deadline
  // passes; every datagram received on the way is appended to seen. true when found.
  bool WaitForLine(const std::string& line, std::chrono::milliseconds timeout,
                   std::vector<std::string>* seen);

 private:
  NotifyReceiver(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  int fd_;
  std::string address_;
};

// true when text has a line (split on '\n') equal to line.
bool HasLine(const std::string& text, const std::string& line);

}  // namespace apicached::testing
