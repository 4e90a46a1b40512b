// systemd socket activation (sd_listen_fds(3)), implemented directly: the service manager opens
// the listening sockets of apicached.socket and passes them to the daemon as file descriptors
// 3, 4, ... with LISTEN_PID (the daemon's pid), LISTEN_FDS (how many) and optionally
// LISTEN_FDNAMES (colon-separated names) in the environment.
//
// Thread safety: TakeListenFds reads and changes the process environment; call it once, early in
// main, before other threads start. ParseListenFds and DescribeListeningSocket are pure
// functions of their arguments (and of the descriptors they inspect).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "storage/status.h"

namespace apicached {

// The file descriptor passed by systemd: fd 3 is the first one.
inline constexpr int kFirstListenFd = 3;

// A listening TCP socket handed to the daemon.
struct ListenFd {
  int fd = -1;
  std::string name;     // from LISTEN_FDNAMES; "unknown" when not given (systemd's default)
  std::string address;  // the bound local address, "127.0.0.1:7431" or "[::1]:7431"
  bool loopback = false;
};

// Inspects fd: Ok with its description when it is a listening SOCK_STREAM socket of family
// AF_INET or AF_INET6; InvalidArgument naming the fd and what is wrong otherwise (not a socket,
// not listening, datagram, AF_UNIX...). The name field is left empty.
Result<ListenFd> DescribeListeningSocket(int fd);

// The activation protocol on explicit values (the env values, nullptr when unset):
// - listen_pid unset or listen_fds unset: not activated, an empty vector;
// - listen_pid not this process (self): not for us, an empty vector;
// - malformed numbers, a count <= 0 or absurd, a names list with another count: InvalidArgument;
// - otherwise fds first_fd .. first_fd + n - 1, each checked with DescribeListeningSocket and
//   marked close-on-exec.
Result<std::vector<ListenFd>> ParseListenFds(const char* listen_pid, const char* listen_fds,
                                             const char* listen_fdnames, pid_t self,
                                             int first_fd = kFirstListenFd);

// ParseListenFds on $LISTEN_PID, $LISTEN_FDS, $LISTEN_FDNAMES and getpid(), then unsets the three
// variables (whatever the outcome) so that no child process inherits them.
Result<std::vector<ListenFd>> TakeListenFds();

}  // namespace apicached
