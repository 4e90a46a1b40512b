// LeaseTable: the per-item marks of memcached's meta leases, which memcached keeps in item flag
// bits: "a client already won the right to recache" (mg answers Z) and "stale" (md I; mg
// answers X). Each mark belongs to one version of one entry, so any new write of the key (a new
// version) clears them, as a new item does in memcached.
//
// Bounds: at most max_entries keys carry marks; past that the oldest marked key loses its marks
// (as if its lease had run out: the next mg may win again). Marks live in RAM only: a restart
// forgets them (memcached forgets the items themselves).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace apicached::memcached {

struct LeaseMarks {
  bool win_sent = false;  // W was given to a client for this version: others see Z
  bool stale = false;     // invalidated (md I, ms I): mg shows X
};

class LeaseTable {
 public:
  explicit LeaseTable(size_t max_entries = 65536) : max_entries_(max_entries) {}

  // The marks of ns/key at this version (none for any other version).
  LeaseMarks Get(std::string_view ns, std::string_view key, uint64_t version) const;
  // Replaces the marks of ns/key, valid for this version.
  void Set(std::string_view ns, std::string_view key, uint64_t version, LeaseMarks marks);

 private:
  struct Slot {
    uint64_t version = 0;
    LeaseMarks marks;
  };
  static std::string Id(std::string_view ns, std::string_view key);

  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> slots_;
  std::deque<std::string> order_;  // insertion order of slots_' keys, for the bound
};

}  // namespace apicached::memcached
