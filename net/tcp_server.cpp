#include "net/tcp_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/spare_descriptor.h"

namespace apicached::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace detail {

// The server's state; named Registry because what Sessions see of it is their registration.
struct Registry {
  Registry(TcpServerOptions o, SessionFactory f)
      : options(std::move(o)),
        factory(std::move(f)),
        budget(options.connections != nullptr
                   ? options.connections
                   : std::make_shared<ConnectionBudget>(options.max_connections)),
        contexts(MakeContexts(options.io_threads)),
        acceptor(contexts.front()->get_executor()),
        accept_retry(contexts.front()->get_executor()) {
    for (auto& c : contexts) guards.emplace_back(c->get_executor());
    if (options.tls.context != nullptr) options.refusal.clear();
  }

  // One io_context per I/O thread, each run by its thread alone: a connection lives on one
  // context, so its handlers never need a strand and never wake another thread.
  static std::vector<std::unique_ptr<asio::io_context>> MakeContexts(unsigned n) {
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<asio::io_context>> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
    return out;
  }

  Status Listen();
  void Accept();
  void OnAccept(error_code ec, tcp::socket socket);
  void OnOutOfDescriptors();
  void Adopt(tcp::socket socket);
  void Refuse(tcp::socket& socket);
  void Unregister(Session* s);
  template <typename Fn>
  void ForEachSession(Fn fn);
  void Stop();

  TcpServerOptions options;
  SessionFactory factory;
  // Declared before the contexts: Sessions still queued in one unregister themselves when it
  // dies.
  std::mutex mu;  // guards sessions; taken on connect, disconnect and Stop only
  std::condition_variable all_closed;
  std::map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<size_t> open{0};  // this server's connections (the budget counts all fronts')
  std::shared_ptr<ConnectionBudget> budget;
  std::optional<SpareDescriptor> spare;  // taken by Listen()
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  tcp::acceptor acceptor;           // on contexts[0]
  asio::steady_timer accept_retry;  // on contexts[0]; see OnOutOfDescriptors
  size_t next_context = 0;          // round robin of accepted connections; used on contexts[0] only
  std::vector<std::thread> threads;
  uint16_t port = 0;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};
};

Status Registry::Listen() {
  error_code ec;
  if (options.listen_fd >= 0) {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (getsockname(options.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return Status::Unavailable("listen fd " + std::to_string(options.listen_fd) +
                                 " is not a socket");
    }
    acceptor.assign(addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), options.listen_fd, ec);
    if (ec) return Status::Unavailable("cannot adopt listen fd: " + ec.message());
  } else {
    auto address = asio::ip::make_address(options.address, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + options.address + "'");
    tcp::endpoint endpoint(address, options.port);
    const std::string where = options.address + ":" + std::to_string(options.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (ec) return Status::Unavailable("cannot bind " + where + ": " + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  }
  auto local = acceptor.local_endpoint(ec);
  if (ec) return Status::Unavailable("cannot read the bound address: " + ec.message());
  port = local.port();
  // Non-blocking synchronous accepts drain the backlog (OnAccept); async_accept is unaffected.
  acceptor.non_blocking(true, ec);
  if (ec) {
    return Status::Unavailable("cannot make the listening socket non-blocking: " + ec.message());
  }
  if (options.listen_fd >= 0) options.address = local.address().to_string();
  spare.emplace();
  if (!spare->ok()) return Status::Unavailable("cannot open the spare descriptor (/dev/null)");
  return Status::Ok();
}

void Registry::Accept() {
  auto& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(
      context, [this](error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void Registry::OnAccept(error_code ec, tcp::socket socket) {
  if (!acceptor.is_open() || stopping.load()) return;
  if (SpareDescriptor::OutOfDescriptors(ec)) return OnOutOfDescriptors();
  // On another error (the client reset before accept, ...) keep accepting.
  if (!ec) Adopt(std::move(socket));
  // Take the connections already waiting in the backlog now, with non-blocking accepts (the
  // acceptor is non-blocking; would_block ends the burst). One accept per async_accept would
  // put each behind every handler queued on contexts[0]: under load, a burst of new
  // connections then waits one full turn of that queue per connection, seconds for 200.
  for (size_t i = 0; !ec && i < kAcceptBurst; ++i) {
    tcp::socket next(*contexts[next_context % contexts.size()]);
    acceptor.accept(next, ec);
    if (SpareDescriptor::OutOfDescriptors(ec)) return OnOutOfDescriptors();
    if (ec) break;
    ++next_context;
    Adopt(std::move(next));
  }
  Accept();
}

// accept() failed for lack of descriptors: the waiting connections get the refusal through the
// spare descriptor; when even that fails, accepting resumes after kAcceptRetryDelay (the
// listening socket stays readable: accepting at once would spin).
void Registry::OnOutOfDescriptors() {
  auto refuse = [this](tcp::socket& socket) { Refuse(socket); };
  if (spare->AnswerBacklog(acceptor, *contexts.front(), refuse, kAcceptBurst)) return Accept();
  accept_retry.expires_after(kAcceptRetryDelay);
  accept_retry.async_wait([this](error_code wait_ec) {
    if (!wait_ec && acceptor.is_open() && !stopping.load()) Accept();
  });
}

// Over the cap: the front's short canned answer written without blocking, then close.
void Registry::Refuse(tcp::socket& socket) {
  error_code ignored;
  refused.fetch_add(1, std::memory_order_relaxed);
  socket.non_blocking(true, ignored);
  if (!options.refusal.empty()) socket.write_some(asio::buffer(options.refusal), ignored);
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

void Registry::Adopt(tcp::socket socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (!budget->TryAcquire()) return Refuse(socket);
  auto executor = socket.get_executor();
  std::shared_ptr<Session> session = factory(std::move(socket), options);
  if (session == nullptr) {
    budget->Release();
    return;
  }
  open.fetch_add(1);
  accepted.fetch_add(1, std::memory_order_relaxed);
  session->registry_ = this;
  session->executor_ = executor;
  {
    std::lock_guard lock(mu);
    sessions.emplace(session.get(), session);
  }
  asio::dispatch(executor, [session = std::move(session)] { session->Start(); });
}

void Registry::Unregister(Session* s) {
  std::lock_guard lock(mu);
  sessions.erase(s);
  open.fetch_sub(1);
  budget->Release();
  all_closed.notify_all();
}

// Calls fn(session) on each live Session's own thread.
template <typename Fn>
void Registry::ForEachSession(Fn fn) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu);
    for (auto& [p, w] : sessions) {
      if (auto sp = w.lock()) live.push_back(std::move(sp));
    }
  }
  for (auto& sp : live) {
    asio::dispatch(sp->executor_, [sp, fn] { fn(*sp); });
  }
}

void Registry::Stop() {
  if (!started || stopped) return;
  stopped = true;
  stopping.store(true);
  asio::dispatch(acceptor.get_executor(), [this] {
    error_code ec;
    acceptor.close(ec);
    accept_retry.cancel();
  });
  ForEachSession([](Session& s) { s.Shutdown(); });
  {
    std::unique_lock lock(mu);
    all_closed.wait_for(lock, options.shutdown_grace, [this] { return open.load() == 0; });
  }
  ForEachSession([](Session& s) { s.ForceClose(); });
  {
    std::unique_lock lock(mu);
    all_closed.wait_for(lock, std::chrono::seconds(1), [this] { return open.load() == 0; });
  }
  guards.clear();
  for (auto& c : contexts) c->stop();
  for (auto& t : threads) t.join();
  threads.clear();
  // The close posted above may not have run before the contexts stopped; with every thread
  // joined, close here so that the port is free once Stop() returns.
  error_code ec;
  acceptor.close(ec);
}

}  // namespace detail

Session::~Session() {
  if (registry_ != nullptr) registry_->Unregister(this);
}

bool Session::server_stopping() const {
  return registry_ != nullptr && registry_->stopping.load(std::memory_order_relaxed);
}

TcpServer::TcpServer(TcpServerOptions options, SessionFactory factory)
    : impl_(std::make_unique<detail::Registry>(std::move(options), std::move(factory))) {}

TcpServer::~TcpServer() {
  Stop();
}

Status TcpServer::Start() {
  detail::Registry& s = *impl_;
  if (s.started) return Status::Internal("TcpServer::Start called twice");
  if (Status listening = s.Listen(); !listening.ok()) return listening;
  s.started = true;
  s.Accept();
  for (auto& c : s.contexts) s.threads.emplace_back([ctx = c.get()] { ctx->run(); });
  return Status::Ok();
}

uint16_t TcpServer::port() const {
  return impl_->port;
}
const std::string& TcpServer::address() const {
  return impl_->options.address;
}
size_t TcpServer::open_connections() const {
  return impl_->open.load();
}
uint64_t TcpServer::accepted_connections() const {
  return impl_->accepted.load(std::memory_order_relaxed);
}
uint64_t TcpServer::refused_connections() const {
  return impl_->refused.load(std::memory_order_relaxed);
}

void TcpServer::Stop() {
  impl_->Stop();
}

}  // namespace apicached::net
