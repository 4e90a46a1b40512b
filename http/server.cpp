#include "http/server.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "http/header_guard.h"
#include "http/problem.h"
#include "http/request_gate.h"
#include "net/drained_read.h"
#include "net/group_commit.h"
#include "net/read_deadline.h"
#include "net/tcp_server.h"
#include "net/tls_stream.h"

namespace apicached::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After an error answer the client may still be sending; read and drop for this long (at most
// kLingerBytes) so that closing does not reset the connection before the answer is read.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kLingerBytes = 1 << 20;
// What a connection over max_connections reads before the close.
std::string BusyAnswer() {
  std::string body = ProblemBody(503, "Too many open connections; try again later.");
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
         "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

net::TcpServerOptions TcpOptions(const ServerOptions& o) {
  net::TcpServerOptions t;
  t.address = o.address;
  t.port = o.port;
  t.listen_fd = o.listen_fd;
  t.io_threads = o.io_threads;
  t.max_connections = o.max_connections;
  t.connections = o.connections;
  t.refusal = BusyAnswer();
  t.timeouts = {.read = o.read_timeout, .idle = o.idle_timeout, .write = o.write_timeout};
  t.shutdown_grace = o.shutdown_grace;
  t.tls = o.tls;
  return t;
}

}  // namespace

// What every session of one Server shares.
struct Server::Impl {
  Impl(ServerOptions o, const Router& r, RequestObserver* obs)
      : options(std::move(o)), router(r), observer(obs) {
    if (options.write_threads > 0) writers.emplace(options.write_threads);
  }

  // Routes req, inside a WriteDeferral with a committer; *wrote: a write was deferred.
  Routed Route(const Request& req, bool* wrote) const {
    const uint64_t before = WriteDeferral::Count();
    Routed routed;
    if (options.committer != nullptr) {
      const WriteDeferral deferral;
      routed = router.Handle(req);
    } else {
      routed = router.Handle(req);
    }
    *wrote = WriteDeferral::Count() != before;
    return routed;
  }

  ServerOptions options;
  const Router& router;
  RequestObserver* observer;
  mutable std::optional<asio::thread_pool> writers;  // runs the handlers of writes (server.h)
  std::unique_ptr<net::TcpServer> tcp;
};

// One HTTP connection, over TCP (beast::tcp_stream) or TLS (net::TlsStream).
template <typename Stream>
class Session final : public net::Session, public net::CommitWaiter {
 public:
  Session(tcp::socket&& socket, const Server::Impl& server, const net::TcpServerOptions& tcp)
      : stream_(net::MakeStream<Stream>(std::move(socket), tcp.tls)),
        tls_(tcp.tls),
        server_(server),
        options_(server.options),
        deadline_(stream_.get_executor()) {}

  void Start() override {
    if constexpr (net::kIsTls<Stream>) {
      net::AcceptTls(stream_, tls_, [self = self<Session>()](bool ok) {
        if (!ok) return self->Close();
        self->WaitForRequest();
      });
    } else {
      WaitForRequest();
    }
  }

  // Graceful stop: idle connections close now, a request in flight is answered with
  // Connection: close.
  void Shutdown() override {
    stopping_ = true;
    if (!busy_) {
      beast::error_code ec;
      lowest().socket().cancel(ec);
    }
  }

  void ForceClose() override {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }

 private:
  // Waits for the first byte of the next request: idle_timeout between requests, read_timeout
  // for the first one (a client that connects and sends nothing is a slow client).
  void WaitForRequest() {
    busy_ = false;
    if (stopping_) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    const std::chrono::milliseconds timeout =
        first_ ? options_.read_timeout : options_.idle_timeout;
    auto done = [self = self<Session>()](beast::error_code ec, size_t n) {
      self->waiting_ = false;
      self->buffer_.commit(n);
      if (ec || self->stopping_) {
        if (self->stopping_ && n > 0) return self->ReadHeader();  // finish this one
        return self->Close();
      }
      self->ReadHeader(/*parse_buffered=*/true);
    };
    const auto space = buffer_.prepare(4096);
    if constexpr (net::kIsTls<Stream>) {
      lowest().expires_after(timeout);
      stream_.async_read_some(space, std::move(done));
    } else {
      // Over plain TCP: a deadline that costs no timer operation per request
      // (net/read_deadline.h), and no recv() that only finds the socket empty
      // (net/drained_read.h). Shutdown() cancels this read as it does the stream's.
      waiting_ = true;
      deadline_.Start(
          timeout, *this, [this] { return waiting_; }, [this] { Close(); });
      net::AsyncReadDrained(lowest().socket(), space.data(), space.size(), std::move(done));
    }
  }

  // Starts a request. parse_buffered: first parse what buffer_ holds here, without an
  // asynchronous operation and its trip through the I/O thread's queue (a request usually arrives
  // whole in one read). Only for the first request of a read: the further requests of a pipeline
  // take that trip, so that one connection's pipeline is served a request per turn, as every
  // other connection of the thread is.
  void ReadHeader(bool parse_buffered = false) {
    first_ = false;
    busy_ = true;
    start_ = Clock::now();
    method_ = Verb::unknown;
    parser_.emplace();
    LimitParser(*parser_, options_);
    if (parse_buffered) {
      const beast::error_code ec =
          ParseBuffered([](const RequestParser& p) { return p.is_header_done(); });
      if (ec != bhttp::error::need_more) return OnHeader(ec);
    }
    lowest().expires_at(start_ + options_.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = self<Session>()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Feeds buffer_ to the parser until done(parser) or the buffer runs dry (need_more), as Beast's
  // read operations do before they read from the socket; returns the parser's error otherwise.
  template <typename Done>
  beast::error_code ParseBuffered(Done done) {
    beast::error_code ec;
    while (!done(*parser_)) {
      if (buffer_.size() == 0) return bhttp::error::need_more;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec) return ec;
      if (used == 0) return bhttp::error::need_more;
    }
    return ec;
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const Request& req = parser_->get();
    method_ = req.method();
    if (auto refused = CheckHeader(*parser_, options_)) return Refuse(std::move(*refused));
    auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      lowest().expires_at(start_ + options_.read_timeout);
      return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                               [self = self<Session>()](beast::error_code ec, size_t) {
                                 if (ec) return self->Close();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  // The body: from buffer_ when it is all there (no body at all for GET, HEAD, DELETE), else
  // read within what is left of the request's read_timeout.
  void ReadBody() {
    const beast::error_code ec = ParseBuffered([](const RequestParser& p) { return p.is_done(); });
    if (!ec) return Handle();
    if (ec != bhttp::error::need_more) return OnReadError(ec);
    lowest().expires_at(start_ + options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = self<Session>()](beast::error_code ec, size_t) {
                        if (ec) return self->OnReadError(ec);
                        self->Handle();
                      });
  }

  void OnReadError(beast::error_code ec) {
    if (auto refused = RefusalForReadError(ec, *parser_, options_)) {
      return Refuse(std::move(*refused));
    }
    Close();
  }

  // Answers a request refused before routing and closes the connection.
  void Refuse(Refusal refusal) {
    res_ = RefusalResponse(std::move(refusal));
    route_ = kUnmatchedRoute;
    Write();
  }

  void Handle() {
    Request req = parser_->release();
    parser_.reset();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    if (server_.writers && !server_.router.RunsOnIoThread(req)) {
      // On a write thread; the answer comes back to this connection's I/O thread. Only the
      // request and the (thread-safe) router are touched there.
      return asio::post(*server_.writers, [self = self<Session>(), req = std::move(req)] {
        bool wrote = false;
        Routed routed = self->server_.Route(req, &wrote);
        asio::post(self->stream_.get_executor(),
                   [self, routed = std::move(routed), wrote]() mutable {
                     self->Commit(std::move(routed), wrote);
                   });
      });
    }
    bool wrote = false;
    Routed routed = server_.Route(req, &wrote);
    Commit(std::move(routed), wrote);
  }

  // Answers once the writes the request deferred are durable (group commit).
  void Commit(Routed routed, bool wrote) {
    if (!wrote) return Answer(std::move(routed));
    held_.emplace(std::move(routed));
    net::CommitThenResume(stream_.get_executor(), *options_.committer, self<Session>());
  }

  void Resume(const Status& status) override {
    Routed routed = std::move(*held_);
    held_.reset();
    if (!status.ok()) {
      // No write of this request is acknowledged: it may be lost in a crash.
      routed.deferred = nullptr;
      routed.response = ProblemFromStatus(status);
      routed.response.version(version_);
      routed.response.keep_alive(keep_alive_);
      routed.response.prepare_payload();
    }
    Answer(std::move(routed));
  }

  void Answer(Routed routed) {
    route_ = routed.route;
    if (routed.deferred) {
      // The answer comes later (a coalesced read); the connection reads nothing meanwhile.
      lowest().expires_never();
      routed.deferred(stream_.get_executor(), [self = self<Session>()](Response res) {
        self->res_ = std::move(res);
        if (self->stopping_ || self->server_stopping()) self->res_.keep_alive(false);
        self->Write();
      });
      return;
    }
    res_ = std::move(routed.response);
    if (stopping_ || server_stopping()) res_.keep_alive(false);
    Write();
  }

  // Every response passes here: nothing leaves with a header byte that could split it.
  // Over plain TCP, first one non-blocking write (as net::BufferedSession does): an answer fits
  // the socket buffer most of the time, and is then written without a trip through the event
  // loop or a write timer. What is left is written asynchronously, within the write timeout.
  void Write() {
    GuardHeaders(res_);
    serializer_.emplace(res_);
    if constexpr (!net::kIsTls<Stream>) {
      beast::error_code ec;
      auto& socket = lowest().socket();
      if (!socket.non_blocking()) socket.non_blocking(true, ec);
      if (!ec) bhttp::write(socket, *serializer_, ec);
      if (ec != asio::error::would_block && ec != asio::error::try_again) return OnWrite(ec);
    }
    lowest().expires_after(options_.write_timeout);
    bhttp::async_write(
        stream_, *serializer_,
        [self = self<Session>()](beast::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(beast::error_code ec) {
    if (server_.observer != nullptr) {
      const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
      server_.observer->OnRequest(route_, method_, res_.result_int(), seconds);
    }
    serializer_.reset();
    if (ec) return Close();
    if (!res_.keep_alive()) return Linger();
    res_ = {};
    WaitForRequest();
  }

  // Half-closes and drains what the client still sends, then closes.
  void Linger() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    lowest().expires_after(kLinger);
    drained_ = 0;
    Drain();
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = self<Session>()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().close();
    deadline_.Cancel();
  }

  auto& lowest() { return beast::get_lowest_layer(stream_); }

  Stream stream_;
  const net::TlsListener& tls_;
  const Server::Impl& server_;
  const ServerOptions& options_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Response res_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;  // writing res_
  std::optional<Routed> held_;  // waiting for its commit
  unsigned version_ = 11;       // of the request being answered
  bool keep_alive_ = true;
  std::string_view route_ = kUnmatchedRoute;
  Verb method_ = Verb::unknown;
  Clock::time_point start_;
  size_t drained_ = 0;
  net::ReadDeadline deadline_;  // of the wait for a request over plain TCP
  bool waiting_ = false;        // that wait is pending
  bool first_ = true;
  bool busy_ = false;
  bool stopping_ = false;
};

Server::Server(ServerOptions options, const Router& router, RequestObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, observer)) {
  impl_->tcp = std::make_unique<net::TcpServer>(
      TcpOptions(impl_->options),
      [impl = impl_.get()](tcp::socket socket,
                           const net::TcpServerOptions& tcp) -> std::shared_ptr<net::Session> {
        if (tcp.tls.context != nullptr) {
          return std::make_shared<Session<net::TlsStream>>(std::move(socket), *impl, tcp);
        }
        return std::make_shared<Session<beast::tcp_stream>>(std::move(socket), *impl, tcp);
      });
}

Server::~Server() {
  Stop();
}

Status Server::Start() {
  return impl_->tcp->Start();
}

uint16_t Server::port() const {
  return impl_->tcp->port();
}
const std::string& Server::address() const {
  return impl_->tcp->address();
}
size_t Server::open_connections() const {
  return impl_->tcp->open_connections();
}

void Server::Stop() {
  impl_->tcp->Stop();
  // A handler still running on a write thread is waited for; its answer goes to a stopped
  // I/O thread and is dropped with it.
  if (impl_->writers) impl_->writers->join();
}

}  // namespace apicached::http
