// The systemd service notification protocol (sd_notify(3)), implemented directly so that the
// daemon does not depend on libsystemd.
//
// A Notifier sends newline-separated "VARIABLE=value" assignments as one datagram to the
// AF_UNIX socket named by $NOTIFY_SOCKET: a filesystem path ("/run/systemd/notify") or, with a
// leading '@', an abstract-namespace socket ("@/org/..." -> "\0/org/..."). When the variable is
// unset or empty (not started by systemd) every call is a successful no-op.
//
// Thread safety: a Notifier is immutable after construction; every method may be called from
// any thread. Each message opens, uses and closes its own socket, as libsystemd does, so a
// notify socket that appears late or is recreated by the service manager is picked up.
//
// With NotifyAccess=main systemd accepts messages from the main process only; any thread of the
// daemon qualifies, forked children do not.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace apicached {

class Notifier {
 public:
  // Disabled: every call returns Ok without doing anything.
  Notifier() = default;
  // address: "/path", "@abstract", or empty for disabled. Anything else is kept and makes each
  // call return InvalidArgument (so a typo in NOTIFY_SOCKET is reported, not ignored).
  explicit Notifier(std::string address) : address_(std::move(address)) {}

  // Reads $NOTIFY_SOCKET. Leaves the variable set (the daemon spawns no children).
  static Notifier FromEnvironment();

  bool enabled() const { return !address_.empty(); }
  const std::string& address() const { return address_; }

  // Sends message (one or more "VAR=value" lines) as one datagram. Ok when disabled.
  // InvalidArgument: the address is neither "/..." nor "@..." or is too long for sun_path.
  // Unavailable: socket() or sendto() failed (the message names the address and errno).
  Status Notify(std::string_view message) const;

  Status Ready() const { return Notify("READY=1"); }
  // STATUS=text (newlines in text are replaced by spaces: the protocol is line based).
  Status SetStatus(std::string_view text) const;
  Status Stopping() const { return Notify("STOPPING=1"); }
  // RELOADING=1; the daemon sends Ready() again when the reload is done.
  Status Reloading() const { return Notify("RELOADING=1"); }
  Status Watchdog() const { return Notify("WATCHDOG=1"); }
  // EXTEND_TIMEOUT_USEC=n: asks for n more microseconds before the current start/stop timeout
  // fires (only meaningful while starting or stopping).
  Status ExtendTimeout(std::chrono::microseconds by) const;

 private:
  std::string address_;
};

// The watchdog interval systemd expects WATCHDOG=1 within: $WATCHDOG_USEC when it is a positive
// integer and $WATCHDOG_PID is unset or names this process; nullopt otherwise (no watchdog, or
// the variables were meant for another process). Send WATCHDOG=1 at about half this interval.
std::optional<std::chrono::microseconds> WatchdogInterval();

}  // namespace apicached
