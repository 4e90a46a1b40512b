// What the eviction layer (evicting_store.h) enforces, and how. Part of its public contract.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "evict/s3_fifo.h"
#include "storage/status.h"

namespace apicached {

// fraction of bytes, rounded down: a limit's low watermark or slack in bytes.
inline uint64_t LimitShare(uint64_t bytes, double fraction) {
  return static_cast<uint64_t>(static_cast<double>(bytes) * fraction);
}

struct EvictionReport;  // evicting_store.h

// The limits; replaceable at run time (SIGHUP) through EvictingStore::SetLimits. 0 means "no
// limit" everywhere.
struct EvictionLimits {
  uint64_t max_disk_bytes = 0;       // all user namespaces together
  uint64_t min_free_disk_bytes = 0;  // free space kept on the data directory's file system
  std::map<std::string, uint64_t, std::less<>> namespace_quota_bytes;  // per user namespace

  bool any() const {
    return max_disk_bytes > 0 || min_free_disk_bytes > 0 || !namespace_quota_bytes.empty();
  }
  uint64_t QuotaOf(std::string_view ns) const {
    auto it = namespace_quota_bytes.find(ns);
    return it == namespace_quota_bytes.end() ? 0 : it->second;
  }
};

struct EvictionOptions {
  EvictionLimits limits;
  // Over a limit, entries are evicted until the usage is at most this share of it.
  double low_watermark = 0.9;
  // The background check is woken when a namespace's indexed bytes pass its quota. Should it
  // fall behind, a write that takes them past quota * (1 + assist_slack) evicts on the
  // writer's own thread, back down to the quota, before it returns: the indexed bytes of a
  // namespace never exceed this bound by more than the writes in flight.
  double assist_slack = 0.1;
  // Entries deleted per WriteBatch (one RocksDB write for the lot, their keys' write guards
  // held meanwhile).
  size_t evict_batch = 128;
  // Under the free-disk floor a write waits at most this long for the running check (and then
  // goes on: writes are slowed, never refused). 0: no wait.
  uint32_t throttle_wait_ms = 1000;
  // Period of the background check (a write that takes a namespace over its quota wakes it
  // sooner). 0 starts no thread: tests call LoadIndex and RunEviction themselves.
  uint32_t period_ms = 1000;
  // ... and so does every check_every_bytes of entries written since the last check (at most a
  // twentieth of max_disk_bytes when that is set), so that a burst of writes cannot outrun the
  // disk limits for a whole period.
  uint64_t check_every_bytes = 8ull << 20;
  // Bytes counted per entry on top of its key, value and content type: the entry header
  // (storage/entry_codec.h, 31 bytes) and RocksDB's internal key trailer and index share.
  uint64_t entry_overhead_bytes = 48;
  // Rounds of evict-compact-measure one check may run for one namespace before it gives up
  // for now (and reports itself behind if still over its limit).
  uint32_t max_passes = 4;
  S3FifoOptions policy;
  // Free bytes on the data directory's file system; required when limits.min_free_disk_bytes
  // may be set (the daemon passes metrics/'s statvfs reader).
  std::function<Result<uint64_t>()> free_disk_bytes;
  // Called by the background thread after each of its checks with what it did (the daemon logs
  // the checks that evicted, compacted or ended still over a limit); must not call the store.
  std::function<void(const Result<EvictionReport>& report)> on_check;
  // Called for every entry evicted, after its delete (tests); must not call the store.
  std::function<void(std::string_view ns, const Victim& victim)> on_evicted;
  // Called with each batch of victims once they have left the index, before their write
  // guards are taken (tests: a write racing with the eviction); may call the store.
  std::function<void(std::string_view ns, const std::vector<Victim>& victims)> on_batch_chosen;
};

}  // namespace apicached
