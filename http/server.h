// Server: the HTTP/1.1 front of apicached on Boost.Beast. Reads requests, hands each to a Router,
// writes the answers; it knows nothing of caching.
//
// Listening, accepting (with the backlog drain), the connection cap, the I/O threads and the
// graceful stop are net::TcpServer's (net/tcp_server.h), shared with the other fronts; this
// class adds the HTTP session. One session per connection (a tcp_stream with timeouts); a fresh
// parser per request with header and body limits. Keep-alive and pipelining are honoured: the
// next request is read only after the previous response was written, so answers leave in
// request order. Requests the server refuses before routing get a problem+json answer and the
// connection is closed (the rules are in request_gate.h):
//   malformed request / bad chunked body          -> 400
//   framing (RFC 9112 6): Transfer-Encoding with
//     Content-Length, chunked not final, ...      -> 400
//   a transfer coding other than chunked          -> 501
//   HTTP/1.1 without Host, or two Hosts           -> 400
//   request line (target) over max_uri_bytes      -> 414
//   header fields over header_limit_bytes         -> 431
//   body over body_limit_bytes                    -> 413 (announced or while reading)
//   more than max_connections open                -> 503 and close
//   accept() out of file descriptors (EMFILE)     -> 503 and close
// Every response passes GuardHeaders (header_guard.h) just before it is written, so no route
// can emit a CR, LF, NUL or other control byte in a header.
//
// The 503 for a connection over the cap is a canned answer written without blocking, then the
// connection is closed (never left unanswered). When accept() itself fails for lack of file
// descriptors (EMFILE, ENFILE), the server frees a spare descriptor it keeps for this, accepts,
// answers the same 503, closes, and takes the spare again; while even that fails, it retries
// accepting after net::kAcceptRetryDelay rather than spinning (net/tcp_server.h does all this).
//
// A request not complete within read_timeout, a response not written within write_timeout, or
// a keep-alive connection idle for idle_timeout is closed without an answer.
//
// Per request over plain TCP (docs/benchmarks.md, "HTTP: the wait for a request and the first
// write"): the wait for a request's first bytes is a drained read (net/drained_read.h: no recv()
// that only finds the socket empty) under a lazily re-armed deadline (net/read_deadline.h), and
// the answer goes out by one non-blocking write from the handler that made it; only what the
// socket does not take at once goes through the event loop, under the write timeout.
//
// Handlers of GET and HEAD, and of the routes that only read (RouteOptions::reads_only: POST
// _mget), run on the I/O threads (store reads are local and fast; _mget moved there together with
// a cheaper JSON answer, measured as one change: docs/benchmarks.md, "Read path"). So do the
// writes whose route says they will not wait for the store (RouteOptions::quick_write_if: an
// entry write into a namespace that exists, when no throttle holds writes back; the hop to a
// write thread and back was a quarter of a PUT's CPU: docs/benchmarks.md, "Writes on the I/O
// threads"). Such a write can still be held back by RocksDB while another client creates or drops
// a namespace, as every memcached and Redis write can (those fronts always write on their I/O
// threads). Handlers of every other write run on write_threads threads of their own: such a
// write can wait for the store for a long time (RocksDB holds back every write while it creates
// or drops a namespace, hundreds of milliseconds with a thousand namespaces), and on an I/O thread
// it would hold up the reads of every other connection of that thread. The connection waits for
// its answer asynchronously; the next request is read after it is written, as always.
//
// Group commit (net/group_commit.h), with ServerOptions::committer: every handler runs inside a
// WriteDeferral (storage/write_deferral.h); the answer of a request that deferred a write waits
// for one commit per turn of its I/O thread (shared by every connection of the thread that wrote
// in that turn), and a failed commit answers it 503 problem+json instead: no write is
// acknowledged before it is durable.
//
// Thread safety: Start(), Stop() and the accessors are for one controlling thread. The Router
// and the RequestObserver must outlive the Server and be safe to call from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/router.h"
#include "net/connection_budget.h"
#include "net/tls_context.h"
#include "storage/status.h"
#include "storage/write_deferral.h"

namespace apicached::http {

// Told about every request the server answered (also those refused before routing, with route
// kUnmatchedRoute; method is Verb::unknown when the request line could not be parsed). Called on
// an I/O thread once the response is written (or failed to be).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  virtual void OnRequest(std::string_view route, Verb method, unsigned status, double seconds) = 0;
};

struct ServerOptions {
  std::string address = "127.0.0.1";  // numeric IPv4 or IPv6 address to bind
  uint16_t port = 7431;               // 0: the kernel picks a free port (see Server::port())
  int listen_fd = -1;       // >= 0: adopt this already listening socket instead (socket activation)
  unsigned io_threads = 0;  // 0: std::thread::hardware_concurrency()
  size_t max_connections = 1024;  // open connections; the next ones get 503 and close
  // The cap shared with the process's other fronts (the daemon sizes it from the file-descriptor
  // budget); null: this server alone, capped at max_connections.
  std::shared_ptr<net::ConnectionBudget> connections;
  size_t header_limit_bytes = 8 * 1024;            // header fields, request line excluded -> 431
  size_t max_uri_bytes = 4 * 1024;                 // request target -> 414
  uint64_t body_limit_bytes = 3ull << 20;          // request body -> 413; the daemon ties it to the
                                                   // value limit
  std::chrono::milliseconds read_timeout{10'000};  // first byte to last byte of one request
  std::chrono::milliseconds idle_timeout{60'000};  // between requests on a keep-alive connection
  std::chrono::milliseconds write_timeout{10'000};  // writing one response
  std::chrono::milliseconds shutdown_grace{5'000};  // Stop(): time left to in-flight requests
  // Threads that run the handlers of methods other than GET and HEAD (see above); 0: every
  // handler runs on its I/O thread.
  unsigned write_threads = 4;
  // Group commit (see above); null: none, each write is durable on its own before its handler
  // returns. Must outlive the Server.
  WriteCommitter* committer = nullptr;
  // TLS (net/tls_context.h); off by default. Over the connection cap a TLS client gets no 503
  // (clear text is no answer to it), only the close.
  net::TlsListener tls;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router, RequestObserver* observer = nullptr);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (or adopts listen_fd) and starts the I/O threads. Unavailable with the
  // reason when the address cannot be bound. REQUIRES: not started yet.
  Status Start();

  // The bound port and address (valid after a successful Start()).
  uint16_t port() const;
  const std::string& address() const;

  // Graceful stop: stops accepting, closes idle connections, lets requests in flight finish and
  // answer (with Connection: close) for up to shutdown_grace, then closes what is left and joins
  // the I/O threads and the write threads (a handler running then is waited for). No handler
  // runs once it returns. Idempotent.
  void Stop();

  // Connections open now (for tests and health).
  size_t open_connections() const;

  struct Impl;  // detail of server.cpp (public only so that its sessions can name it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace apicached::http
