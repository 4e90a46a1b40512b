#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace apicached::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {
void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}
}  // namespace

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout), socket_(ioc_) {}

HttpClient::~HttpClient() {
  beast::error_code ec;
  socket_.close(ec);
}

void HttpClient::Connect() {
  beast::error_code ec;
  socket_.close(ec);
  socket_ = tcp::socket(ioc_);
  socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
  if (ec)
    throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port_) + ": " + ec.message());
  socket_.set_option(tcp::no_delay(true));
  SetTimeouts(socket_.native_handle(), timeout_);
  buffer_.clear();
  connected_ = true;
  ++connects_;
}

HttpResponse HttpClient::Send(bhttp::verb verb, const std::string& target,
                              std::optional<std::string> body, const HttpHeaders& headers) {
  bhttp::request<bhttp::string_body> req{verb, target, 11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
  for (const auto& [f, v] : headers) req.set(f, v);
  if (body) {
    req.body() = std::move(*body);
    req.prepare_payload();
  }
  // A kept-alive connection may have been closed by the server meanwhile: retry once on a
  // fresh one when nothing came back on the old one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = connected_;
    if (!connected_) Connect();
    beast::error_code ec;
    bhttp::write(socket_, req, ec);
    HttpResponse res;
    if (!ec) {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(1ull << 32);
      parser.skip(verb == bhttp::verb::head);
      bhttp::read(socket_, buffer_, parser, ec);
      if (!ec) {
        res = parser.release();
        if (!res.keep_alive()) {
          socket_.close(ec);
          connected_ = false;
        }
        return res;
      }
    }
    connected_ = false;
    if (!reused || (ec != bhttp::error::end_of_stream && ec != net::error::connection_reset &&
                    ec != net::error::broken_pipe)) {
      throw std::runtime_error(std::string(bhttp::to_string(verb)) + " " + target.substr(0, 80) +
                               ": " + ec.message());
    }
  }
  throw std::runtime_error("unreachable");
}

RawConnection::RawConnection(uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect: ") + std::strerror(e));
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  SetTimeouts(fd_, std::chrono::seconds(10));
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void RawConnection::ShutdownWrite() {
  shutdown(fd_, SHUT_WR);
}

long RawConnection::ReadSome(char* buf, size_t len, SteadyClock::time_point deadline) {
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return -1;
    ssize_t n = recv(fd_, buf, len, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 0;  // reset counts as closed
    return n;
  }
}

RawConnection::ReadResult RawConnection::ReadUntilClosed(std::chrono::milliseconds timeout) {
  ReadResult out;
  out.data = std::move(pending_);
  pending_.clear();
  const auto deadline = SteadyClock::now() + timeout;
  char buf[16384];
  while (true) {
    long n = ReadSome(buf, sizeof(buf), deadline);
    if (n < 0) return out;
    if (n == 0) {
      out.closed = true;
      return out;
    }
    out.data.append(buf, static_cast<size_t>(n));
  }
}

std::vector<HttpResponse> RawConnection::ReadResponses(size_t n,
                                                       std::chrono::milliseconds timeout) {
  std::vector<HttpResponse> out;
  const auto deadline = SteadyClock::now() + timeout;
  char buf[16384];
  while (out.size() < n) {
    // Parse what we have; read more when a response is incomplete.
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(1ull << 32);
    beast::error_code ec;
    size_t used = 0;
    while (true) {
      used += parser.put(net::buffer(pending_.data() + used, pending_.size() - used), ec);
      if (!ec && parser.is_done()) break;
      if (ec && ec != bhttp::error::need_more) return out;  // garbage: stop here
      long got = ReadSome(buf, sizeof(buf), deadline);
      if (got <= 0) {
        if (got == 0) {
          parser.put_eof(ec);
          if (!ec && parser.is_done()) break;
        }
        return out;
      }
      pending_.append(buf, static_cast<size_t>(got));
      ec = {};
    }
    pending_.erase(0, used);
    out.push_back(parser.release());
  }
  return out;
}

}  // namespace apicached::testing
