// TcpServer: the networking every TCP front of apicached shares (HTTP, memcached, Redis). It
// knows no protocol: it listens, accepts, caps the number of connections, spreads them over I/O
// threads and stops gracefully; a front plugs in a SessionFactory that makes one Session per
// connection.
//
// Listening: binds options.address:port (port 0: the kernel picks, see port()), or adopts an
// already listening socket (options.listen_fd, systemd socket activation).
//
// I/O threads: one single-threaded io_context per thread (options.io_threads); accepted
// connections are given to them round robin, so all of one connection's handlers run on one
// thread and need no strand. Handlers run on the I/O threads; a slow handler holds up the other
// connections of its thread.
//
// Accept: each accept completion also takes every connection already waiting in the backlog
// (up to kAcceptBurst, with non-blocking accepts), so a burst of new connections is not
// accepted one per turn of a busy I/O thread (the cause of multi-second connect times for 200
// connections under load; tests/http/server_accept_test.cpp). When accept() fails for lack of
// file descriptors (EMFILE, ENFILE), the waiting connections get options.refusal through a spare
// descriptor the server keeps (spare_descriptor.h), never silence; when even that fails, the
// next accept waits kAcceptRetryDelay instead of spinning. Other accept errors drop that
// connection and accepting goes on.
//
// Connection cap: options.connections, one ConnectionBudget shared by every front of the process
// (the daemon sizes it from the file-descriptor budget, daemon/fd_budget.h); without one, this
// server alone is capped at max_connections. A connection accepted while the cap is reached
// gets options.refusal written once, without blocking (best effort), and is closed; no Session
// is made. The fronts' refusals: HTTP a 503 problem+json with Connection: close; memcached "ERROR
// Too many open connections\r\n" (what memcached 1.6 writes past maxconns).
//
// Timeouts: options.timeouts are the fronts' read/idle/write bounds; the server hands them to
// every Session (through the factory) and the Session arms them on its stream (a Session that
// does not arm them has none).
//
// Graceful stop: Stop() closes the listener, calls Shutdown() on every Session (finish and
// answer what is in flight, close when idle), waits up to shutdown_grace for them to close,
// then ForceClose()s what is left, and joins the I/O threads. Once it returns the port is free.
//
// Thread safety: Start(), Stop() and port()/address() are for one controlling thread; the
// counters may be read from any thread. The factory is called on the accepting I/O thread;
// Session methods are called on the Session's own I/O thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "net/connection_budget.h"
#include "net/tls_context.h"
#include "storage/status.h"

namespace apicached::net {

inline constexpr size_t kAcceptBurst = 256;
// Wait before accepting again when accept() is out of descriptors and the spare is gone.
inline constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

struct Timeouts {
  std::chrono::milliseconds read{10'000};   // first byte to last byte of one request
  std::chrono::milliseconds idle{60'000};   // between requests on a kept-alive connection
  std::chrono::milliseconds write{10'000};  // writing one response
};

struct TcpServerOptions {
  std::string address = "127.0.0.1";  // numeric IPv4 or IPv6 address to bind
  uint16_t port = 0;                  // 0: the kernel picks a free port (see port())
  int listen_fd = -1;       // >= 0: adopt this already listening socket instead (socket activation)
  unsigned io_threads = 0;  // 0: std::thread::hardware_concurrency()
  size_t max_connections = 1024;  // open connections; the next ones get `refusal` and close
  // The cap shared with the process's other fronts; null: this server alone, max_connections.
  std::shared_ptr<ConnectionBudget> connections;
  std::string refusal;  // bytes written to a connection over the cap; empty: none
  Timeouts timeouts;    // handed to every Session
  // TLS for the factory to use (net/tls_stream.h); this server only drops `refusal` when it is
  // on (clear text is no answer to a TLS client).
  TlsListener tls;
  std::chrono::milliseconds shutdown_grace{5'000};  // Stop(): time left to requests in flight
};

namespace detail {
struct Registry;
}

// One connection of a front. Made by the front's SessionFactory and owned by the shared_ptrs its
// own pending handlers hold (the server keeps only a weak_ptr): a Session with no operation
// pending is destroyed, so it keeps a read or a write in flight for as long as it lives. Its
// destructor tells the server the connection is closed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  virtual ~Session();

  // Starts reading. Called once, on the Session's I/O thread, right after the factory.
  virtual void Start() = 0;
  // Graceful stop asked: close now when idle; else finish and answer what is in flight (telling
  // the peer the connection closes where the protocol can) and close. On the Session's thread.
  virtual void Shutdown() = 0;
  // Close the socket now (the grace period is over). On the Session's thread.
  virtual void ForceClose() = 0;

 protected:
  // True once Stop() began: a Session keeps no connection open after its current answer.
  bool server_stopping() const;
  // shared_from_this() as the derived type.
  template <typename T>
  std::shared_ptr<T> self() {
    return std::static_pointer_cast<T>(shared_from_this());
  }

 private:
  friend struct detail::Registry;
  detail::Registry* registry_ = nullptr;   // set by the server before Start()
  boost::asio::any_io_executor executor_;  // the Session's I/O thread
};

// Makes the Session of a freshly accepted connection; the socket is already bound to the
// connection's I/O thread's io_context (socket.get_executor()). Returning null closes the
// connection. Called on the accepting thread; must not block.
using SessionFactory = std::function<std::shared_ptr<Session>(boost::asio::ip::tcp::socket socket,
                                                              const TcpServerOptions& options)>;

class TcpServer {
 public:
  // REQUIRES: factory is callable; what it captures outlives the server.
  TcpServer(TcpServerOptions options, SessionFactory factory);
  ~TcpServer();  // Stop()
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // Binds and listens (or adopts listen_fd) and starts the I/O threads. InvalidArgument for a
  // malformed address, Unavailable with the reason when it cannot be bound or adopted.
  // REQUIRES: not started yet (Internal otherwise).
  Status Start();

  // The bound port and address (valid after a successful Start(); with listen_fd, the adopted
  // socket's).
  uint16_t port() const;
  const std::string& address() const;

  // Graceful stop (see the top of this file). No Session method runs once it returns.
  // Idempotent; also safe when never started.
  void Stop();

  size_t open_connections() const;        // Sessions alive now
  uint64_t accepted_connections() const;  // Sessions made since Start (memcached total_connections)
  uint64_t refused_connections() const;   // refused over the cap (memcached rejected_connections)

 private:
  std::unique_ptr<detail::Registry> impl_;
};

}  // namespace apicached::net
