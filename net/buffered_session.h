// BufferedSession: the connection plumbing of the request/response fronts over a byte stream
// (memcached, Redis): it reads into one input buffer, lets the protocol run every whole command
// there into one output buffer, writes that buffer at once, and reads again. A pipeline of
// commands in one read is so answered in order with one write.
//
// The protocol is the Derived class (CRTP: no virtual call per request) and provides:
//   // Runs the whole commands at the front of `in`, appending their replies to `out` (it may stop
//   // early, e.g. past its bound on unwritten output: it is called again once `out` is written);
//   // returns the bytes of `in` consumed. Sets `close` to close once `out` is written.
//   size_t Produce(std::string_view in, std::string& out, bool& close);
//   // Whether a command is partly received beyond the buffered bytes (e.g. a data block being
//   // discarded); the read timeout applies then, as when bytes are buffered.
//   bool CommandPending() const;
//   // Bytes to ask for in the next read, `buffered` bytes being already buffered.
//   size_t ReadSize(size_t buffered) const;
//
// Timeouts (net::Timeouts): idle while nothing of a command is received (0: none), read while
// one is partly received, write for each write. A timeout, the end of the stream or an error
// closes the connection.
//
// Stream: boost::beast::tcp_stream or a stream layered on one (its lowest layer carries the
// timeouts and is what Close() closes).
//
// Thread safety: every method runs on the session's I/O thread (net::Session's contract).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "net/tcp_server.h"

namespace apicached::net {

template <typename Derived, typename Stream = boost::beast::tcp_stream>
class BufferedSession : public Session {
 public:
  void Start() final { Read(); }

  void Shutdown() final {
    shutting_down_ = true;
    if (!writing_) Close();  // idle (waiting for a command): nothing in flight
  }

  void ForceClose() final { Close(); }

 protected:
  // stream_args construct the Stream (the accepted socket first).
  template <typename... StreamArgs>
  explicit BufferedSession(const Timeouts& timeouts, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...), timeouts_(timeouts) {}

 private:
  using error_code = boost::system::error_code;

  Derived& derived() { return static_cast<Derived&>(*this); }

  auto& tcp() { return boost::beast::get_lowest_layer(stream_); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    tcp().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    tcp().close();
  }

  void Read() {
    if (closed_) return;
    if (shutting_down_ || server_stopping()) {
      Close();
      return;
    }
    const bool idle = in_.empty() && !derived().CommandPending();
    if (!idle) {
      tcp().expires_after(timeouts_.read);
    } else if (timeouts_.idle.count() > 0) {
      tcp().expires_after(timeouts_.idle);
    } else {
      tcp().expires_never();
    }
    const size_t used = in_.size();
    const size_t want = derived().ReadSize(used);
    in_.resize(used + want);
    stream_.async_read_some(
        boost::asio::buffer(in_.data() + used, want),
        [this, keep = shared_from_this(), used](const error_code& ec, size_t n) {
          in_.resize(used + n);
          if (ec) {
            Close();  // end of stream, timeout, reset or Close()
            return;
          }
          Process();
        });
  }

  void Process() {
    const size_t consumed = derived().Produce(std::string_view(in_), out_, close_after_write_);
    in_.erase(0, consumed);
    if (!out_.empty()) {
      Write();
    } else if (close_after_write_) {
      Close();
    } else {
      Read();
    }
  }

  void Write() {
    writing_ = true;
    tcp().expires_after(timeouts_.write);
    boost::asio::async_write(stream_, boost::asio::buffer(out_),
                             [this, keep = shared_from_this()](const error_code& ec, size_t) {
                               writing_ = false;
                               out_.clear();
                               if (ec || close_after_write_) {
                                 Close();
                                 return;
                               }
                               // Commands may be waiting in the buffer (output was over its bound).
                               Process();
                             });
  }

  Stream stream_;
  const Timeouts timeouts_;
  std::string in_;
  std::string out_;
  bool close_after_write_ = false;
  bool shutting_down_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace apicached::net
