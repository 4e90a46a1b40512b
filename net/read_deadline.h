// ReadDeadline: the deadline of a connection's pending read (an idle or a read timeout), checked
// by one timer that is re-armed only when it fires before the deadline or must fire earlier than
// it is set to. A read so costs a clock read, not the timer-queue insert, the cancel and the
// aborted handler that a timeout on the stream's read (beast::tcp_stream::expires_after) costs.
//
// Usage, on the connection's I/O thread: Start(timeout, session, waiting, expire) just before each
// read; the timer calls expire() once the deadline has passed while waiting() is still true (the
// read has not completed), and does nothing when it fires while no read waits (the next Start
// sets a new deadline). Cancel() when the connection closes. The timer's pending wait holds
// session.shared_from_this(), so the session outlives it.
//
// Thread safety: one I/O thread, like the session that owns it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <utility>

namespace apicached::net {

class ReadDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReadDeadline(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  // The read about to start must complete within timeout; Clock::duration::max(): no deadline
  // (a timer still armed re-arms for never). Waiting: bool(); Expire: void().
  template <typename Owner, typename Waiting, typename Expire>
  void Start(Clock::duration timeout, Owner& session, Waiting waiting, Expire expire) {
    deadline_ =
        timeout == Clock::duration::max() ? Clock::time_point::max() : Clock::now() + timeout;
    if (!armed_ || deadline_ < timer_.expiry()) {
      Arm(session.shared_from_this(), std::move(waiting), std::move(expire));
    }
  }

  void Cancel() { timer_.cancel(); }

 private:
  template <typename Waiting, typename Expire>
  void Arm(std::shared_ptr<void> keep, Waiting waiting, Expire expire) {
    armed_ = true;
    timer_.expires_at(deadline_);  // cancels a pending wait: its handler sees operation_aborted
    timer_.async_wait([this, keep = std::move(keep), waiting = std::move(waiting),
                       expire = std::move(expire)](const boost::system::error_code& ec) mutable {
      if (ec) return;  // re-armed (a newer wait is pending) or cancelled
      armed_ = false;
      if (!waiting()) return;
      if (Clock::now() >= deadline_) return expire();
      Arm(std::move(keep), std::move(waiting), std::move(expire));
    });
  }

  boost::asio::steady_timer timer_;
  Clock::time_point deadline_;
  bool armed_ = false;  // a wait of timer_ is pending
};

}  // namespace apicached::net
