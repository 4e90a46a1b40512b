// BufferedSession: the connection plumbing of the request/response fronts over a byte stream
// (memcached, Redis): it reads into one input buffer, lets the protocol run every whole command
// there into one output buffer, writes that buffer at once, and reads again. A pipeline of
// commands in one read is so answered in order with one write.
//
// Per request at pipeline depth 1 (docs/benchmarks-redis.md, "Per-request CPU at -P1"): the
// reply is sent by one non-blocking send from the handler that produced it (over plain TCP; the
// event loop and the write timer only for what the socket does not take at once), and the input
// buffer is not zero-filled again before each read. Over plain TCP a read that emptied the socket
// lets the next one wait for the socket's event without a recv() first (net/drained_read.h).
//
// The Protocol is a member (no virtual call per request; it does no I/O) and provides:
//   // Runs the whole commands at the front of `in`, appending their replies to `out` (it may stop
//   // early, e.g. past its bound on unwritten output: it is called again once `out` is written);
//   // returns the bytes of `in` consumed. Sets `close` to close once `out` is written.
//   size_t Produce(std::string_view in, std::string& out, bool& close);
//   // Whether a command is partly received beyond the buffered bytes (e.g. a data block being
//   // discarded); the read timeout applies then, as when bytes are buffered.
//   bool CommandPending() const;
//   // Bytes to ask for in the next read, `buffered` bytes being already buffered.
//   size_t ReadSize(size_t buffered) const;
// and, for group commit (net/group_commit.h), optionally:
//   // Non-null when the last Produce deferred writes (storage/write_deferral.h): `out` is then
//   // held until one commit through it covers them.
//   WriteCommitter* PendingCommit();
//   // That commit returned `status`: on an error, answer each held write with an error in
//   // `out` instead of its reply. Called once per non-null PendingCommit.
//   void Committed(std::string& out, const Status& status);
//
// Timeouts (net::Timeouts): idle while nothing of a command is received (0: none), read while
// one is partly received, write for each write. A timeout, the end of the stream or an error
// closes the connection.
//
// Stream: boost::beast::tcp_stream, or net::TlsStream (net/tls_stream.h): then the TLS handshake
// comes first, within the listener's handshake timeout, and a failed one closes the connection.
// The lowest layer carries the timeouts and is what Close() closes.
//
// Thread safety: every method runs on the session's I/O thread (net::Session's contract).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "net/drained_read.h"
#include "net/group_commit.h"
#include "net/read_deadline.h"
#include "net/tcp_server.h"
#include "net/tls_stream.h"

namespace apicached::net {

template <typename Protocol>
concept GroupCommitting = requires(Protocol& p, std::string& out, const Status& status) {
  { p.PendingCommit() } -> std::convertible_to<WriteCommitter*>;
  p.Committed(out, status);
};

// A protocol that holds writes back to run them at the commit (net::CommitStage) hands them on
// in StageWrites, called before each wait for a commit.
template <typename Protocol>
concept StagingWrites = requires(Protocol& p, const boost::asio::any_io_executor& io) {
  p.StageWrites(io);
};

template <typename Protocol, typename Stream = boost::beast::tcp_stream>
class BufferedSession final : public Session, public CommitWaiter {
 public:
  // options is the listener's (TcpServer's factory argument: it outlives the session);
  // protocol_args construct the Protocol.
  template <typename... ProtocolArgs>
  BufferedSession(boost::asio::ip::tcp::socket socket, const TcpServerOptions& options,
                  ProtocolArgs&&... protocol_args)
      : stream_(MakeStream<Stream>(std::move(socket), options.tls)),
        timeouts_(options.timeouts),
        tls_(options.tls),
        protocol_(std::forward<ProtocolArgs>(protocol_args)...),
        read_deadline_(stream_.get_executor()) {}

  void Start() override {
    if constexpr (kIsTls<Stream>) {
      AcceptTls(stream_, tls_, [this, keep = shared_from_this()](bool ok) {
        if (ok) return Read();
        Close();
      });
    } else {
      Read();
    }
  }

  void Shutdown() override {
    shutting_down_ = true;
    if (!writing_) Close();  // idle (waiting for a command): nothing in flight
  }

  void ForceClose() override { Close(); }

 private:
  using error_code = boost::system::error_code;
  using Clock = std::chrono::steady_clock;

  auto& lowest() { return boost::beast::get_lowest_layer(stream_); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    error_code ec;
    lowest().socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    lowest().close();
    read_deadline_.Cancel();
  }

  void Read() {
    if (closed_) return;
    if (shutting_down_ || server_stopping()) {
      Close();
      return;
    }
    const bool idle = in_len_ == 0 && !protocol_.CommandPending();
    if (stream_expiry_set_) {  // by the TLS handshake or an asynchronous write
      lowest().expires_never();
      stream_expiry_set_ = false;
    }
    // One deadline per read, on a timer re-armed only when it must fire earlier
    // (net/read_deadline.h).
    const Clock::duration timeout = !idle                        ? Clock::duration(timeouts_.read)
                                    : timeouts_.idle.count() > 0 ? Clock::duration(timeouts_.idle)
                                                                 : Clock::duration::max();
    read_deadline_.Start(
        timeout, *this, [this] { return reading_ && !closed_; }, [this] { Close(); });
    reading_ = true;
    // in_ keeps its size (zero-filled once, when it grows): in_len_ bytes of it are buffered.
    const size_t used = in_len_;
    const size_t want = protocol_.ReadSize(used);
    if (in_.size() < used + want) in_.resize(used + want);
    auto done = [this, keep = shared_from_this(), used](const error_code& ec, size_t n) {
      in_len_ = used + n;
      reading_ = false;
      if (ec) {
        Close();  // end of stream, timeout, reset or Close()
        return;
      }
      Process();
    };
    if constexpr (kIsTls<Stream>) {
      stream_.async_read_some(boost::asio::buffer(in_.data() + used, want), std::move(done));
    } else {  // without the recv() that only finds the socket empty (net/drained_read.h)
      AsyncReadDrained(lowest().socket(), in_.data() + used, want, std::move(done));
    }
  }

  // Runs the buffered commands and answers them, again while each answer is written at once,
  // until a read, a write or a commit is pending or the connection is closed.
  void Process() {
    do {
      const size_t consumed =
          protocol_.Produce(std::string_view(in_.data(), in_len_), out_, close_after_write_);
      if (consumed > 0) {
        std::memmove(in_.data(), in_.data() + consumed, in_len_ - consumed);
        in_len_ -= consumed;
      }
      if constexpr (GroupCommitting<Protocol>) {
        if (WriteCommitter* committer = protocol_.PendingCommit()) {
          writing_ = true;  // a graceful stop waits for the answer
          if constexpr (StagingWrites<Protocol>) protocol_.StageWrites(stream_.get_executor());
          CommitThenResume(stream_.get_executor(), *committer, self<BufferedSession>());
          return;
        }
      }
    } while (Answer());
  }

  void Resume(const Status& status) override {
    if constexpr (GroupCommitting<Protocol>) protocol_.Committed(out_, status);
    writing_ = false;
    if (closed_) return;
    if (Answer()) Process();
  }

  // Writes out_, closes or reads. Returns true when out_ was written at once and the connection
  // stays open: the caller runs the buffered commands again (some may wait there, the output
  // having been over its bound).
  bool Answer() {
    if (!out_.empty()) return Write();
    if (close_after_write_) {
      Close();
    } else {
      Read();
    }
    return false;
  }

  // Over plain TCP, first one non-blocking send: a reply fits the socket buffer most of the
  // time, and is then written without a trip through the event loop or a write timer. What is
  // left is written asynchronously, within the write timeout.
  bool Write() {
    if constexpr (!kIsTls<Stream>) {
      error_code ec;
      auto& socket = lowest().socket();
      if (!socket.non_blocking()) socket.non_blocking(true, ec);
      const size_t n = ec ? 0 : socket.write_some(boost::asio::buffer(out_), ec);
      if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) {
        out_.clear();
        Close();
        return false;
      }
      if (n == out_.size()) {
        out_.clear();
        if (close_after_write_) {
          Close();
          return false;
        }
        return true;
      }
      out_.erase(0, n);
    }
    writing_ = true;
    lowest().expires_after(timeouts_.write);
    stream_expiry_set_ = true;
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
    return false;
  }

  Stream stream_;
  const Timeouts timeouts_;
  const TlsListener& tls_;
  Protocol protocol_;
  ReadDeadline read_deadline_;
  bool reading_ = false;           // a read is pending (read_deadline_ applies)
  bool stream_expiry_set_ = true;  // stream_ may have an expiry (reads must not use it)
  std::string in_;                 // its first in_len_ bytes are buffered input
  size_t in_len_ = 0;
  std::string out_;
  bool close_after_write_ = false;
  bool shutting_down_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

// The session of a connection a listener accepted: over TLS when options.tls is on.
template <typename Protocol, typename... ProtocolArgs>
std::shared_ptr<Session> MakeBufferedSession(boost::asio::ip::tcp::socket socket,
                                             const TcpServerOptions& options,
                                             ProtocolArgs&&... protocol_args) {
  if (options.tls.context != nullptr) {
    return std::make_shared<BufferedSession<Protocol, TlsStream>>(
        std::move(socket), options, std::forward<ProtocolArgs>(protocol_args)...);
  }
  return std::make_shared<BufferedSession<Protocol>>(std::move(socket), options,
                                                     std::forward<ProtocolArgs>(protocol_args)...);
}

}  // namespace apicached::net
