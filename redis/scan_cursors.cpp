#include "redis/scan_cursors.h"

namespace apicached::redis {

uint64_t ScanCursors::Save(ScanPosition pos) {
  std::lock_guard lock(mu_);
  const uint64_t id = next_++;
  positions_.emplace(id, std::move(pos));
  order_.push_back(id);
  while (positions_.size() > max_ || order_.size() > 2 * max_ + 16) {
    positions_.erase(order_.front());
    order_.pop_front();
  }
  return id;
}

std::optional<ScanPosition> ScanCursors::Take(uint64_t cursor) {
  std::lock_guard lock(mu_);
  const auto it = positions_.find(cursor);
  if (it == positions_.end()) return std::nullopt;
  ScanPosition pos = std::move(it->second);
  positions_.erase(it);
  return pos;
}

}  // namespace apicached::redis
