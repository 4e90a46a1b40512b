#include "memcached/session.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include "memcached/ascii_auth.h"
#include "memcached/replies.h"

namespace apicached::memcached {

namespace asio = boost::asio;
using Kind = ParseResult::Kind;

Session::Session(asio::ip::tcp::socket socket, const net::Timeouts& timeouts, Executor& executor,
                 const SessionOptions& options, const Authenticator* auth)
    : stream_(std::move(socket)),
      timeouts_(timeouts),
      executor_(executor),
      options_(options),
      auth_(auth) {}

void Session::Start() {
  authenticated_ = auth_ == nullptr || !auth_->Required();
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
  stream_.expires_after(in_.empty() && swallow_ == 0 ? timeouts_.idle : timeouts_.read);
  const size_t used = in_.size();
  in_.resize(used + options_.read_bytes);
  stream_.async_read_some(
      asio::buffer(in_.data() + used, options_.read_bytes),
      [self = self<Session>(), used](const boost::system::error_code& ec, size_t n) {
        self->in_.resize(used + n);
        if (ec) {
          self->Close();  // end of stream, timeout, reset or Close()
          return;
        }
        self->Process();
      });
}

ParseResult Session::Step(std::string_view in) {
  if (authenticated_) return Parse(in, options_.parser, request_);
  AuthAttempt a = ParseAuth(in, options_.parser);
  if (a.result.kind == Kind::kCommand) {
    // Answered here: a passed authentication is memcached's "STORED".
    authenticated_ = auth_->Check(a.user, a.password);
    a.result.kind = Kind::kReply;
    a.result.reply = authenticated_ ? reply::kStored : reply::kAuthFailure;
  }
  return a.result;
}

void Session::Process() {
  size_t pos = 0;
  while (!close_after_write_) {
    if (swallow_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(swallow_, in_.size() - pos));
      pos += n;
      swallow_ -= n;
      if (swallow_ > 0) break;
    }
    if (pos == in_.size() || out_.size() >= options_.max_pending_output) break;
    const ParseResult r = Step(std::string_view(in_).substr(pos));
    if (r.kind == Kind::kNeedMore) break;
    out_.append(r.reply);
    if (r.kind == Kind::kClose) {
      close_after_write_ = true;
      break;
    }
    if (r.kind == Kind::kCommand && executor_.Execute(request_, out_) == Executor::After::kClose) {
      close_after_write_ = true;
    }
    pos += r.consumed;
    swallow_ = r.swallow;
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

}  // namespace apicached::memcached
