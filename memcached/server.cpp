#include "memcached/server.h"

#include <thread>

#include "net/buffered_session.h"

namespace apicached::memcached {

Server::Server(ServerOptions options, cache::CacheService& cache, const Authenticator* auth)
    : options_(std::move(options)), mapping_(options_.mapping), auth_(auth) {
  options_.tcp.refusal = "ERROR Too many open connections\r\n";
  ExecutorOptions e;
  e.version = options_.version;
  e.max_get_response_bytes = options_.max_get_response_bytes;
  e.settings.address = options_.tcp.address;
  e.settings.max_connections = options_.tcp.max_connections;
  e.settings.threads =
      options_.tcp.io_threads != 0 ? options_.tcp.io_threads : std::thread::hardware_concurrency();
  e.settings.max_item_bytes = options_.session.parser.max_item_bytes;
  e.settings.auth_enabled = auth_ != nullptr && auth_->Required();
  e.listener_figures = [this] {
    ListenerFigures f;
    f.curr_connections = tcp_->open_connections();
    f.total_connections = tcp_->accepted_connections();
    f.rejected_connections = tcp_->refused_connections();
    return f;
  };
  executor_ = std::make_unique<Executor>(cache, mapping_, std::move(e));
  tcp_ = std::make_unique<net::TcpServer>(
      options_.tcp, [this](boost::asio::ip::tcp::socket socket, const net::TcpServerOptions& tcp) {
        return net::MakeBufferedSession<Session>(std::move(socket), tcp, *executor_,
                                                 options_.session, auth_);
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

}  // namespace apicached::memcached
