// Small synchronous HTTP clients for integration tests.
//
// HttpClient: one keep-alive connection to 127.0.0.1:port (reconnected when the server closed
// it), Beast request/response types, a receive timeout so a test never hangs. Throws
// std::runtime_error on I/O failures.
// RawConnection: a plain TCP socket for malformed input; sends any bytes and reads with
// deadlines.
//
// Thread safety: one thread per object.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apicached::testing {

namespace bhttp = boost::beast::http;
using HttpResponse = bhttp::response<bhttp::string_body>;
using HttpHeaders = std::vector<std::pair<bhttp::field, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();

  // Sends one request (Content-Length set when body is given) and reads the response.
  HttpResponse Send(bhttp::verb verb, const std::string& target,
                    std::optional<std::string> body = std::nullopt,
                    const HttpHeaders& headers = {});
  HttpResponse Get(const std::string& target, const HttpHeaders& headers = {}) {
    return Send(bhttp::verb::get, target, std::nullopt, headers);
  }
  HttpResponse Put(const std::string& target, std::string body, const HttpHeaders& headers = {}) {
    return Send(bhttp::verb::put, target, std::move(body), headers);
  }
  HttpResponse Post(const std::string& target, std::string body = "") {
    return Send(bhttp::verb::post, target, std::move(body));
  }
  HttpResponse Delete(const std::string& target) { return Send(bhttp::verb::delete_, target); }

  // How many TCP connections this client opened (keep-alive checks).
  int connects() const { return connects_; }

 private:
  void Connect();

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int connects_ = 0;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; throws std::runtime_error when it cannot.
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // false when the peer is gone (EPIPE/ECONNRESET).
  bool Send(std::string_view bytes);
  void ShutdownWrite();

  struct ReadResult {
    std::string data;
    bool closed = false;  // the peer closed (EOF or reset) before the deadline
  };
  // Reads until the peer closes or the deadline passes.
  ReadResult ReadUntilClosed(std::chrono::milliseconds timeout);
  // Reads until `n` complete HTTP responses arrived (or close/deadline); returns them in order.
  std::vector<HttpResponse> ReadResponses(size_t n, std::chrono::milliseconds timeout);

  int fd() const { return fd_; }

 private:
  // One read with a deadline: >0 bytes, 0 on EOF/reset, -1 on timeout.
  long ReadSome(char* buf, size_t len, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;  // bytes read but not consumed by ReadResponses
};

}  // namespace apicached::testing
