// Gate: holds the threads that Enter() it until the test calls Open(), so that a test can keep a
// handler (and the thread running it) busy for exactly as long as it needs, without sleeping.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace apicached::testing {

class Gate {
 public:
  // Blocks until Open() (returns at once once it is open).
  void Enter() {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  // Waits up to 30 s for a thread to have entered; false when none did.
  bool WaitEntered() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

}  // namespace apicached::testing
