#include "redis/session.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "redis/resp_writer.h"

namespace apicached::redis {

namespace asio = boost::asio;
using Kind = RespParser::Result::Kind;

Session::Session(asio::ip::tcp::socket socket, const net::Timeouts& timeouts, Executor& executor,
                 const SessionOptions& options)
    : stream_(std::move(socket)),
      timeouts_(timeouts),
      executor_(executor),
      options_(options),
      parser_(options.parser),
      client_(executor.NewClient()) {}

void Session::Start() {
  Read();
}

void Session::Shutdown() {
  shutting_down_ = true;
  if (!writing_) Close();  // idle (waiting for a command): nothing in flight
}

void Session::ForceClose() {
  Close();
}

void Session::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
}

void Session::Read() {
  if (closed_) return;
  if (shutting_down_ || server_stopping()) {
    Close();
    return;
  }
  const bool idle = in_.empty() && !parser_.in_command();
  if (!idle) {
    stream_.expires_after(timeouts_.read);
  } else if (timeouts_.idle.count() > 0) {
    stream_.expires_after(timeouts_.idle);
  } else {
    stream_.expires_never();
  }
  // A large bulk arrives in larger reads (up to 1 MiB each).
  const size_t want = std::clamp(in_.size(), options_.read_bytes, size_t{1} << 20);
  const size_t used = in_.size();
  in_.resize(used + want);
  stream_.async_read_some(
      asio::buffer(in_.data() + used, want),
      [self = self<Session>(), used](const boost::system::error_code& ec, size_t n) {
        self->in_.resize(used + n);
        if (ec) {
          self->Close();  // end of stream, timeout, reset or Close()
          return;
        }
        self->Process();
      });
}

void Session::Process() {
  size_t pos = 0;
  while (!close_after_write_ && out_.size() < options_.max_pending_output) {
    const RespParser::Result r =
        parser_.Parse(std::string_view(in_).substr(pos), !client_.authenticated, argv_);
    pos += r.consumed;
    if (r.kind == Kind::kNeedMore) break;
    if (r.kind == Kind::kError) {
      if (!r.error.empty()) AppendReply(Reply::Error(r.error), client_.resp, out_);
      close_after_write_ = true;
      break;
    }
    const Reply reply = executor_.Execute(client_, argv_);  // may switch client_.resp (HELLO)
    AppendReply(reply, client_.resp, out_);
    if (client_.close_after_reply) close_after_write_ = true;
  }
  in_.erase(0, pos);
  if (!out_.empty()) {
    Write();
  } else if (close_after_write_) {
    Close();
  } else {
    Read();
  }
}

void Session::Write() {
  writing_ = true;
  stream_.expires_after(timeouts_.write);
  asio::async_write(stream_, asio::buffer(out_),
                    [self = self<Session>()](const boost::system::error_code& ec, size_t) {
                      self->writing_ = false;
                      self->out_.clear();
                      if (ec || self->close_after_write_) {
                        self->Close();
                        return;
                      }
                      // Commands may be waiting in the buffer (output was over its bound).
                      self->Process();
                    });
}

}  // namespace apicached::redis
