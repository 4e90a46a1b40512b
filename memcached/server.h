// Server: the memcached listener. Composes the shared TCP server (net/tcp_server.h), one
// Executor on the cache layer and a Session per connection. Over the connection cap a client
// gets memcached's "ERROR Too many open connections\r\n" and is closed.
//
// Thread safety: Start(), Stop() and the accessors are for one controlling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "memcached/executor.h"
#include "memcached/session.h"
#include "net/tcp_server.h"

namespace apicached::memcached {

struct ServerOptions {
  net::TcpServerOptions tcp;  // address, port (0: any free one), threads, cap, timeouts
  KeyMappingOptions mapping;  // default namespace and key namespaces
  SessionOptions session;     // parser limits (item size, line bounds), output bound
  std::string version = ExecutorOptions{}.version;
  uint64_t max_get_response_bytes = ExecutorOptions{}.max_get_response_bytes;
};

class Server {
 public:
  // cache and auth (null: no authentication) must outlive the server.
  Server(ServerOptions options, cache::CacheService& cache, const Authenticator* auth);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; errors as net::TcpServer::Start().
  Status Start();
  // Graceful: answers what is in flight, then closes every connection. Idempotent.
  void Stop();

  uint16_t port() const { return tcp_->port(); }
  const std::string& address() const { return tcp_->address(); }

 private:
  ServerOptions options_;
  KeyMapping mapping_;
  std::unique_ptr<Executor> executor_;
  const Authenticator* auth_;
  std::unique_ptr<net::TcpServer> tcp_;
};

}  // namespace apicached::memcached
