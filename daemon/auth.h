// Bearer-token authentication of apicached's HTTP API.
//
// When a token is set, every request must carry "Authorization: Bearer <token>" except on
// routes registered as public (GET /v1/health, GET /metrics); others get 401 problem+json with
// "WWW-Authenticate: Bearer". The comparison takes the same time whatever the first differing
// byte (it depends only on the lengths). An empty token turns the check off.
//
// The token can be replaced at run time (SIGHUP re-reads the token file).
//
// Thread safety: every method may be called from any thread; the pre-check runs on the server's
// I/O threads while SetToken runs on the control thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "http/router.h"
#include "storage/status.h"

namespace apicached {

class TokenAuth {
 public:
  // "" turns authentication off.
  void SetToken(std::string token);
  bool enabled() const;

  // true when no token is set, or authorization is exactly "Bearer <token>" (scheme
  // case-insensitive, as RFC 7235 says).
  bool Allows(std::string_view authorization) const;

  // For Router::SetPreCheck. The TokenAuth must outlive the Router.
  http::PreCheck MakePreCheck() const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> token_;  // null or empty: off
};

// true when a and b are equal; the time taken depends on the sizes only.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The token in a file: its first line without surrounding white space. InvalidArgument naming
// the file when it cannot be read or holds no token.
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace apicached
