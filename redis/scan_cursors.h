// ScanCursors: where each SCAN iteration stopped. Redis cursors are integers; apicached's
// namespaces are ordered key ranges, so a cursor number stands for (namespace index, last key
// returned), kept here. The table is bounded: past max_cursors the oldest cursor is forgotten,
// and a forgotten or unknown cursor ends that iteration (SCAN answers cursor 0 with no keys),
// which is what Redis guarantees nothing against either; docs/redis.md says so.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace apicached::redis {

struct ScanPosition {
  int64_t db = 0;
  size_t ns_index = 0;  // index into the database's KeyMapping::Namespaces()
  std::string after;    // last key returned in that namespace; "" from its start
  std::string pattern;  // the MATCH the cursor was made for (its literal prefix is sought)
};

class ScanCursors {
 public:
  explicit ScanCursors(size_t max_cursors = 65536) : max_(max_cursors) {}

  // A fresh cursor number (never 0) for pos.
  uint64_t Save(ScanPosition pos);
  // The position saved under cursor, removed from the table; nullopt when unknown.
  std::optional<ScanPosition> Take(uint64_t cursor);

 private:
  std::mutex mu_;
  size_t max_;
  uint64_t next_ = 1;
  std::unordered_map<uint64_t, ScanPosition> positions_;
  std::deque<uint64_t> order_;  // oldest first (may hold numbers already taken)
};

}  // namespace apicached::redis
