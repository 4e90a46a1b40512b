// Runs a function on its own thread every period, or sooner when woken. Private to storage/.
//
// A period of zero starts no thread: Wake and Stop do nothing then. The period is measured with
// the steady clock; it only paces background work, it never decides an expiry.
//
// Thread safety: Wake and Stop may be called from any thread; Stop waits for a running call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace apicached {

class PeriodicTask {
 public:
  PeriodicTask(std::chrono::seconds period, std::function<void()> fn);
  ~PeriodicTask() { Stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Wake();
  void Stop();  // idempotent

 private:
  void Loop();

  const std::chrono::seconds period_;
  const std::function<void()> fn_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace apicached
