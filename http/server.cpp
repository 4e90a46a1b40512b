#include "http/server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "http/header_guard.h"
#include "http/problem.h"
#include "http/request_gate.h"

namespace apicached::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After an error answer the client may still be sending; read and drop for this long (at most
// kLingerBytes) so that closing does not reset the connection before the answer is read.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr size_t kLingerBytes = 1 << 20;
// Connections taken from the backlog per accept completion, at most (see OnAccept).
constexpr size_t kAcceptBurst = 256;

}  // namespace

class Session;

struct Server::Impl {
  Impl(ServerOptions o, const Router& r, RequestObserver* obs)
      : options(std::move(o)),
        router(r),
        observer(obs),
        contexts(MakeContexts(options.io_threads)),
        acceptor(contexts.front()->get_executor()) {
    for (auto& c : contexts) guards.emplace_back(c->get_executor());
  }

  // One io_context per I/O thread, each run by its thread alone: a connection lives on one
  // context, so its handlers never need a strand and never wake another thread.
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(unsigned n) {
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<net::io_context>> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Adopt(tcp::socket socket);
  void Register(Session* s, const std::shared_ptr<Session>& sp);
  void Unregister(Session* s);

  ServerOptions options;
  const Router& router;
  RequestObserver* observer;
  // Declared before the contexts: sessions still queued in one unregister themselves when it
  // dies.
  std::mutex mu;  // guards sessions; taken on connect, disconnect and Stop only
  std::condition_variable all_closed;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<size_t> open{0};
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  tcp::acceptor acceptor;   // on contexts[0]
  size_t next_context = 0;  // round robin of accepted connections; used on contexts[0] only
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Server::Impl& server)
      : stream_(std::move(socket)), server_(server), options_(server.options) {}

  ~Session() { server_.Unregister(this); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Graceful stop: idle connections close now, a request in flight is answered with
  // Connection: close.
  void Shutdown() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stopping_ = true;
      if (!self->busy_) {
        beast::error_code ec;
        self->stream_.socket().cancel(ec);
      }
    });
  }

  void ForceClose() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      self->stream_.socket().close(ec);
    });
  }

 private:
  // Waits for the first byte of the next request: idle_timeout between requests, read_timeout
  // for the first one (a client that connects and sends nothing is a slow client).
  void WaitForRequest() {
    busy_ = false;
    if (stopping_) return Close();
    if (buffer_.size() > 0) return ReadHeader();
    stream_.expires_after(first_ ? options_.read_timeout : options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec || self->stopping_) {
                                if (self->stopping_ && n > 0)
                                  return self->ReadHeader();  // finish this one
                                return self->Close();
                              }
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    first_ = false;
    busy_ = true;
    start_ = Clock::now();
    method_ = Verb::unknown;
    parser_.emplace();
    LimitParser(*parser_, options_);
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    const Request& req = parser_->get();
    method_ = req.method();
    if (auto refused = CheckHeader(*parser_, options_)) return Refuse(std::move(*refused));
    auto expect = req.find(bhttp::field::expect);
    if (expect != req.end() && beast::iequals(expect->value(), "100-continue") &&
        !parser_->is_done()) {
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (ec) return self->Close();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return Handle();  // no body (GET, HEAD, DELETE): skip a round trip
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
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
    Routed routed = server_.router.Handle(req);
    res_ = std::move(routed.response);
    route_ = routed.route;
    if (stopping_ || server_.stopping.load(std::memory_order_relaxed)) res_.keep_alive(false);
    Write();
  }

  // Every response passes here: nothing leaves with a header byte that could split it.
  void Write() {
    GuardHeaders(res_);
    stream_.expires_after(options_.write_timeout);
    bhttp::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(beast::error_code ec) {
    if (server_.observer != nullptr) {
      const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
      server_.observer->OnRequest(route_, method_, res_.result_int(), seconds);
    }
    if (ec) return Close();
    if (!res_.keep_alive()) return Linger();
    res_ = {};
    WaitForRequest();
  }

  // Half-closes and drains what the client still sends, then closes.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    stream_.expires_after(kLinger);
    drained_ = 0;
    Drain();
  }

  void Drain() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerBytes) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  const ServerOptions& options_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  Response res_;
  std::string_view route_ = kUnmatchedRoute;
  Verb method_ = Verb::unknown;
  Clock::time_point start_;
  size_t drained_ = 0;
  bool first_ = true;
  bool busy_ = false;
  bool stopping_ = false;
};

void Server::Impl::Register(Session* s, const std::shared_ptr<Session>& sp) {
  std::lock_guard lock(mu);
  sessions.emplace(s, sp);
}

void Server::Impl::Unregister(Session* s) {
  std::lock_guard lock(mu);
  sessions.erase(s);
  open.fetch_sub(1);
  all_closed.notify_all();
}

void Server::Impl::Accept() {
  auto& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(context, [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor.is_open() || stopping.load()) return;
  // On an error (EMFILE and friends) the failed connection is simply dropped; keep accepting.
  if (!ec) Adopt(std::move(socket));
  // Take the connections already waiting in the backlog now, with non-blocking accepts (the
  // acceptor is non-blocking; would_block ends the burst). One accept per async_accept would
  // put each behind every handler queued on contexts[0]: under load, a burst of new
  // connections then waits one full turn of that queue per connection, seconds for 200.
  for (size_t i = 0; !ec && i < kAcceptBurst; ++i) {
    tcp::socket next(*contexts[next_context % contexts.size()]);
    acceptor.accept(next, ec);
    if (ec) break;
    ++next_context;
    Adopt(std::move(next));
  }
  Accept();
}

void Server::Impl::Adopt(tcp::socket socket) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (open.load() >= options.max_connections) {
    // Over the cap: a short canned answer written without blocking, then close.
    static const std::string kBusy = [] {
      std::string body = ProblemBody(503, "Too many open connections; try again later.");
      return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
             "Connection: close\r\nRetry-After: 1\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(kBusy), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    return;
  }
  open.fetch_add(1);
  auto session = std::make_shared<Session>(std::move(socket), *this);
  Register(session.get(), session);
  session->Start();
}

Server::Server(ServerOptions options, const Router& router, RequestObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, observer)) {}

Server::~Server() {
  Stop();
}

Status Server::Start() {
  Impl& s = *impl_;
  if (s.started) return Status::Internal("Server::Start called twice");
  beast::error_code ec;
  if (s.options.listen_fd >= 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (getsockname(s.options.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Status::Unavailable("listen fd " + std::to_string(s.options.listen_fd) +
                                 " is not a socket");
    }
    s.acceptor.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), s.options.listen_fd, ec);
    if (ec) return Status::Unavailable("cannot adopt listen fd: " + ec.message());
  } else {
    auto address = net::ip::make_address(s.options.address, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + s.options.address + "'");
    tcp::endpoint endpoint(address, s.options.port);
    const std::string where = s.options.address + ":" + std::to_string(s.options.port);
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(endpoint, ec);
    if (ec) return Status::Unavailable("cannot bind " + where + ": " + ec.message());
    s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  auto local = s.acceptor.local_endpoint(ec);
  if (ec) return Status::Unavailable("cannot read the bound address: " + ec.message());
  s.port = local.port();
  // Non-blocking synchronous accepts drain the backlog (OnAccept); async_accept is unaffected.
  s.acceptor.non_blocking(true, ec);
  if (ec)
    return Status::Unavailable("cannot make the listening socket non-blocking: " + ec.message());
  if (s.options.listen_fd >= 0) s.options.address = local.address().to_string();
  s.started = true;
  s.Accept();
  for (auto& c : s.contexts) s.threads.emplace_back([ctx = c.get()] { ctx->run(); });
  return Status::Ok();
}

uint16_t Server::port() const {
  return impl_->port;
}
const std::string& Server::address() const {
  return impl_->options.address;
}
size_t Server::open_connections() const {
  return impl_->open.load();
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.stopping.store(true);
  net::dispatch(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  auto for_each_session = [&s](auto fn) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(s.mu);
      for (auto& [p, w] : s.sessions) {
        if (auto sp = w.lock()) live.push_back(std::move(sp));
      }
    }
    for (auto& sp : live) fn(*sp);
  };
  for_each_session([](Session& x) { x.Shutdown(); });
  {
    std::unique_lock lock(s.mu);
    s.all_closed.wait_for(lock, s.options.shutdown_grace, [&s] { return s.open.load() == 0; });
  }
  for_each_session([](Session& x) { x.ForceClose(); });
  {
    std::unique_lock lock(s.mu);
    s.all_closed.wait_for(lock, std::chrono::seconds(1), [&s] { return s.open.load() == 0; });
  }
  s.guards.clear();
  for (auto& c : s.contexts) c->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace apicached::http
