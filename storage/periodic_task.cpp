#include "storage/periodic_task.h"

namespace apicached {

PeriodicTask::PeriodicTask(std::chrono::seconds period, std::function<void()> fn)
    : period_(period), fn_(std::move(fn)) {
  if (period_.count() > 0) thread_ = std::thread([this] { Loop(); });
}

void PeriodicTask::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void PeriodicTask::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period_, [this] { return woken_ || stopping_; });
    if (stopping_) break;
    woken_ = false;
    lock.unlock();
    fn_();
    lock.lock();
  }
}

}  // namespace apicached
