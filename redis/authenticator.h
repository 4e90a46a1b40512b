// Who may use the Redis listener. The daemon implements it with its bearer token (the same
// token as HTTP and memcached): AUTH <token> or AUTH default <token> (Redis's one user; the
// executor refuses other user names as Redis does).
//
// Thread safety: implementations must allow calls from any thread.
#pragma once

#include <string_view>

namespace apicached::redis {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Whether a new connection must authenticate (asked once per connection).
  virtual bool Required() const = 0;
  // Whether the password passes (the user name may be ignored).
  virtual bool Check(std::string_view user, std::string_view password) const = 0;
};

}  // namespace apicached::redis
