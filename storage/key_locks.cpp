#include "storage/key_locks.h"

#include <algorithm>
#include <functional>

namespace apicached {

size_t KeyLocks::StripeOf(std::string_view ns, std::string_view key) {
  const size_t h = std::hash<std::string_view>{}(key)*31 + std::hash<std::string_view>{}(ns);
  return h % kStripes;
}

std::unique_lock<std::mutex> KeyLocks::Lock(std::string_view ns, std::string_view key) {
  return std::unique_lock<std::mutex>(stripes_[StripeOf(ns, key)]);
}

KeyLocks::MultiLock KeyLocks::LockStripes(std::vector<size_t> stripes) {
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  MultiLock lock;
  lock.held_.reserve(stripes.size());
  for (size_t s : stripes) {
    stripes_[s].lock();
    lock.held_.push_back(&stripes_[s]);
  }
  return lock;
}

KeyLocks::MultiLock::~MultiLock() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->unlock();
}

}  // namespace apicached
