// WriteGuards: striped mutexes that order the eviction layer's own writes of a key against the
// eviction of that key (evicting_store.h, "Consistency"). Private to evict/.
//
// A write holds its key's stripe from before it reaches the store until the eviction index has
// recorded it; an eviction batch holds the stripes of all its victims while it checks that the
// index has not recorded them again and deletes them in one WriteBatch. Two keys may share a
// stripe, which only costs some concurrency. Several stripes are always taken in ascending
// order, so batches never deadlock with each other or with single-key writes.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

namespace apicached {

class WriteGuards {
 public:
  static constexpr size_t kStripes = 1024;

  std::unique_lock<std::mutex> Lock(std::string_view ns, std::string_view key) {
    return std::unique_lock(stripes_[StripeOf(ns, key)]);
  }

  // Holds the stripes of every (namespace, key) pair get_pair returns for items, until destroyed.
  template <typename Items, typename GetPair>
  std::vector<std::unique_lock<std::mutex>> LockMany(const Items& items, GetPair get_pair) {
    std::vector<size_t> stripes;
    stripes.reserve(items.size());
    for (const auto& item : items) {
      const auto [ns, key] = get_pair(item);
      stripes.push_back(StripeOf(ns, key));
    }
    return LockStripes(std::move(stripes));
  }

 private:
  static size_t StripeOf(std::string_view ns, std::string_view key) {
    const size_t h = std::hash<std::string_view>()(key) * 31 + std::hash<std::string_view>()(ns);
    return h % kStripes;
  }
  std::vector<std::unique_lock<std::mutex>> LockStripes(std::vector<size_t> stripes);

  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace apicached
