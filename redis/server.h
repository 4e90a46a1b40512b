// Server: the Redis listener. Composes the shared TCP server (net/tcp_server.h), the numbered
// databases, one Executor on the cache layer and a Session per connection. Over the connection
// cap a client gets Redis's "-ERR max number of clients reached\r\n" and is closed.
//
// Thread safety: Start(), Stop() and the accessors are for one controlling thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cache/cache_service.h"
#include "net/tcp_server.h"
#include "redis/authenticator.h"
#include "redis/databases.h"
#include "redis/executor.h"
#include "redis/session.h"

namespace apicached::redis {

struct ServerOptions {
  net::TcpServerOptions tcp;   // address, port (0: any free one), threads, cap, timeouts
  DatabasesOptions databases;  // SELECT numbers -> namespaces, key namespaces
  SessionOptions session;      // parser bounds, output bound
  std::string apicached_version = "dev";
  ScriptRunner scripts;  // EVAL & co; null: unknown commands
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
  Executor& executor() { return *executor_; }

 private:
  ServerOptions options_;
  Databases databases_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<net::TcpServer> tcp_;
};

}  // namespace apicached::redis
