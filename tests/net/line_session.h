// A tiny line protocol on net::TcpServer for its tests: "x\n" is answered "echo:x\n"; "hold\n"
// is answered only when the server asks the session to shut down ("bye\n", then close);
// "stubborn\n" ignores Shutdown (only ForceClose ends it). Every event goes to an EventLog.
// Also a blocking client.
#pragma once

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/tcp_server.h"

namespace apicached::net::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class EventLog {
 public:
  void Add(std::string event) {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  size_t Count(const std::string& event) const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(std::count(events_.begin(), events_.end(), event));
  }
  // Polls with a deadline (no sleep): true once Count(event) >= n.
  bool WaitFor(const std::string& event, size_t n) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] {
      return static_cast<size_t>(std::count(events_.begin(), events_.end(), event)) >= n;
    });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> events_;
};

class LineSession final : public Session {
 public:
  // on_line runs on the I/O thread before a line is answered (tests block it to hold the
  // thread).
  LineSession(tcp::socket socket, EventLog& log, std::function<void(const std::string&)> on_line)
      : socket_(std::move(socket)), log_(log), on_line_(std::move(on_line)) {}

  void Start() override {
    log_.Add("start");
    Read();
  }

  void Shutdown() override {
    log_.Add("shutdown");
    if (stubborn_) return;
    if (holding_) return Answer("bye\n", /*then_close=*/true);
    boost::system::error_code ec;
    socket_.close(ec);
  }

  void ForceClose() override {
    log_.Add("force_close");
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  void Read() {
    asio::async_read_until(socket_, buffer_, '\n',
                           [self = self<LineSession>()](boost::system::error_code ec, size_t) {
                             if (ec) return;  // closed: the last reference goes with us
                             std::istream in(&self->buffer_);
                             std::string line;
                             std::getline(in, line);
                             self->OnLine(line);
                           });
  }

  void OnLine(const std::string& line) {
    if (on_line_) on_line_(line);
    log_.Add("line:" + line);
    // Both keep a read pending: a Session with nothing in flight is destroyed.
    if (line == "hold") {
      holding_ = true;
      return Read();  // answered by Shutdown
    }
    if (line == "stubborn") {
      stubborn_ = true;
      return Read();
    }
    Answer("echo:" + line + "\n", server_stopping());
  }

  void Answer(std::string text, bool then_close) {
    auto out = std::make_shared<std::string>(std::move(text));
    asio::async_write(
        socket_, asio::buffer(*out),
        [self = self<LineSession>(), out, then_close](boost::system::error_code ec, size_t) {
          if (ec || then_close) {
            boost::system::error_code ignored;
            self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            return;
          }
          self->Read();
        });
  }

  tcp::socket socket_;
  EventLog& log_;
  std::function<void(const std::string&)> on_line_;
  asio::streambuf buffer_;
  bool holding_ = false;
  bool stubborn_ = false;
};

inline SessionFactory LineFactory(EventLog& log,
                                  std::function<void(const std::string&)> on_line = {}) {
  return [&log, on_line](tcp::socket socket, const TcpServerOptions&) {
    log.Add("accept");
    return std::make_shared<LineSession>(std::move(socket), log, on_line);
  };
}

// Polls cond (yielding, never sleeping) until it holds or 30 s pass.
template <typename Cond>
bool PollUntil(Cond cond) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A blocking loopback client.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  void Send(const std::string& text) { asio::write(socket_, asio::buffer(text)); }
  // One line, without its '\n'; "" at EOF.
  std::string ReadLine() {
    boost::system::error_code ec;
    asio::read_until(socket_, buffer_, '\n', ec);
    if (ec && buffer_.size() == 0) return "";
    std::istream in(&buffer_);
    std::string line;
    std::getline(in, line);
    return line;
  }
  // Everything until the server closes.
  std::string ReadAll() {
    boost::system::error_code ec;
    asio::read(socket_, buffer_, ec);
    std::string out(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
    buffer_.consume(buffer_.size());
    return out;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  asio::streambuf buffer_;
};

}  // namespace apicached::net::testing
