// A stand-in for apicached in apicachectl's unit tests: a Beast HTTP server on 127.0.0.1, port
// 0, in a thread of its own. It records every request and answers with what the test's handler
// returns. One request per connection (apicachectl closes after each answer).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace apicached::testing {

using FakeRequest = boost::beast::http::request<boost::beast::http::string_body>;
using FakeResponse = boost::beast::http::response<boost::beast::http::string_body>;

class FakeDaemon {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  explicit FakeDaemon(Handler handler);
  ~FakeDaemon();
  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  std::string url() const;  // "http://127.0.0.1:PORT"
  std::vector<FakeRequest> requests() const;

  // A response with a status, a body and its content type.
  static FakeResponse Reply(unsigned status, std::string body = "",
                            std::string content_type = "application/json");

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace apicached::testing
