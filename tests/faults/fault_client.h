// How the crash and fault tests talk to the daemon (a DaemonProcess from tests/support): through
// apicachectl's HTTP client, one connection per request, so a killed or broken daemon shows up as
// a failed request rather than a hung one.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "cli/http_client.h"
#include "storage/status.h"
#include "tests/support/daemon_process.h"

namespace apicached::testing {

inline cli::HttpClient ClientOf(const DaemonProcess& daemon,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  return cli::HttpClient(cli::BaseUrl{"127.0.0.1", std::to_string(daemon.port()), "", false}, "",
                         timeout);
}

inline Result<cli::HttpResponse> Http(const cli::HttpClient& client, std::string method,
                                      std::string target, std::string body = {},
                                      std::string content_type = {}) {
  cli::HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  return client.Send(req);
}

}  // namespace apicached::testing
