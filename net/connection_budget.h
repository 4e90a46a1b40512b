// ConnectionBudget: the cap on client connections shared by every front (listener) of the
// process, so that all of them together stay within the file-descriptor budget the daemon
// computed (daemon/fd_budget.h).
//
// Thread safety: every method may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <cstddef>

namespace apicached::net {

class ConnectionBudget {
 public:
  explicit ConnectionBudget(size_t max_connections) : max_(max_connections) {}
  ConnectionBudget(const ConnectionBudget&) = delete;
  ConnectionBudget& operator=(const ConnectionBudget&) = delete;

  // Takes a slot for a new connection; false (and nothing taken) when all max() are in use.
  bool TryAcquire() {
    size_t open = open_.load(std::memory_order_relaxed);
    while (open < max_) {
      if (open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  // Gives back a slot TryAcquire took.
  void Release() { open_.fetch_sub(1, std::memory_order_relaxed); }

  size_t open() const { return open_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> open_{0};
};

}  // namespace apicached::net
