// Test helper for raw protocol connections (memcached, Redis): read until the bytes received end
// with a suffix.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <string_view>

#include "tests/support/http_client.h"

namespace apicached::testing {

// Reads until what arrived ends with `suffix`, the peer closes or `timeout` passes; returns it.
inline std::string ReadUntil(RawConnection& c, std::string_view suffix,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!std::string_view(got).ends_with(suffix)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(c.fd(), buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Sends `request` and reads the answer up to `suffix`.
inline std::string Exchange(RawConnection& c, std::string_view request, std::string_view suffix) {
  if (!c.Send(request)) return "<send failed>";
  return ReadUntil(c, suffix);
}

}  // namespace apicached::testing
