#include "tests/cli/fake_daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <thread>

namespace apicached::testing {

namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct FakeDaemon::Impl {
  Handler handler;
  boost::asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
  mutable std::mutex mu;
  std::vector<FakeRequest> requests;
  std::thread thread;
  bool stopping = false;

  void Serve() {
    while (true) {
      boost::system::error_code ec;
      tcp::socket socket(ioc);
      acceptor.accept(socket, ec);
      {
        std::lock_guard lock(mu);
        if (stopping) return;
      }
      if (ec) continue;
      boost::beast::flat_buffer buffer;
      FakeRequest req;
      bhttp::read(socket, buffer, req, ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu);
        requests.push_back(req);
      }
      FakeResponse res = handler(req);
      res.version(req.version());
      res.keep_alive(false);
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }
};

FakeDaemon::FakeDaemon(Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->thread = std::thread([this] { impl_->Serve(); });
}

FakeDaemon::~FakeDaemon() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  // Wake the blocking accept() with one last connection.
  boost::system::error_code ec;
  tcp::socket poke(impl_->ioc);
  poke.connect(impl_->acceptor.local_endpoint(), ec);
  impl_->thread.join();
}

std::string FakeDaemon::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

std::vector<FakeRequest> FakeDaemon::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

FakeResponse FakeDaemon::Reply(unsigned status, std::string body, std::string content_type) {
  FakeResponse res{static_cast<bhttp::status>(status), 11};
  if (!content_type.empty()) res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

}  // namespace apicached::testing
