// Striped mutexes that make single-key read-modify-write operations atomic. Private to storage/.
//
// A (namespace, key) pair maps to one of a fixed number of stripes; two keys may share a stripe,
// which only costs some concurrency. LockMany takes several stripes in ascending order so that
// batches never deadlock with each other or with single-key operations.
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace apicached {

class KeyLocks {
 public:
  static constexpr size_t kStripes = 1024;

  std::unique_lock<std::mutex> Lock(std::string_view ns, std::string_view key);

  // Holds the stripes of all keys until destroyed.
  class MultiLock {
   public:
    MultiLock(MultiLock&&) = default;
    ~MultiLock();

   private:
    friend class KeyLocks;
    MultiLock() = default;
    std::vector<std::mutex*> held_;
  };
  template <typename Keys, typename GetKey>
  MultiLock LockMany(std::string_view ns, const Keys& keys, GetKey get_key) {
    std::vector<size_t> stripes;
    stripes.reserve(keys.size());
    for (const auto& k : keys) stripes.push_back(StripeOf(ns, get_key(k)));
    return LockStripes(std::move(stripes));
  }
  // The same for keys of several namespaces: get(item) gives a pair (namespace, key).
  template <typename Items, typename GetNsKey>
  MultiLock LockEach(const Items& items, GetNsKey get) {
    std::vector<size_t> stripes;
    stripes.reserve(items.size());
    for (const auto& item : items) {
      const auto [ns, key] = get(item);
      stripes.push_back(StripeOf(ns, key));
    }
    return LockStripes(std::move(stripes));
  }

 private:
  static size_t StripeOf(std::string_view ns, std::string_view key);
  MultiLock LockStripes(std::vector<size_t> stripes);

  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace apicached
