#include "redis/server.h"

#include <thread>

#include "net/buffered_session.h"

namespace apicached::redis {

Server::Server(ServerOptions options, cache::CacheService& cache, const Authenticator* auth)
    : options_(std::move(options)), databases_(options_.databases) {
  options_.tcp.refusal = "-ERR max number of clients reached\r\n";
  ExecutorOptions e;
  e.apicached_version = options_.apicached_version;
  e.address = options_.tcp.address;
  e.max_clients = options_.tcp.max_connections;
  e.threads =
      options_.tcp.io_threads != 0 ? options_.tcp.io_threads : std::thread::hardware_concurrency();
  e.max_bulk_bytes = options_.session.parser.max_bulk_bytes;
  e.idle_timeout_seconds = options_.tcp.timeouts.idle.count() / 1000;
  e.listener_figures = [this] {
    ListenerFigures f;
    f.connected_clients = tcp_->open_connections();
    f.total_connections = tcp_->accepted_connections();
    f.rejected_connections = tcp_->refused_connections();
    return f;
  };
  e.scripts = options_.scripts;
  executor_ = std::make_unique<Executor>(cache, databases_, auth, std::move(e));
  tcp_ = std::make_unique<net::TcpServer>(options_.tcp, [this](boost::asio::ip::tcp::socket socket,
                                                               const net::TcpServerOptions& tcp) {
    return net::MakeBufferedSession<Session>(std::move(socket), tcp, *executor_, options_.session);
  });
}

Server::~Server() {
  Stop();
}

Status Server::Start() {
  Status s = tcp_->Start();
  if (s.ok()) executor_->SetPort(tcp_->port());
  return s;
}

void Server::Stop() {
  tcp_->Stop();
}

}  // namespace apicached::redis
