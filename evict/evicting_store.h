// EvictingStore: a Store that keeps apicached within its size (issue #14). The module's public
// header. It wraps the outermost store (the RAM tier when it is on) so that every eviction goes
// through the same path as a client's delete.
//
// Limits (eviction_options.h): a quota per namespace, a byte limit over all namespaces, and free
// space to keep on the data directory's file system. Over any of them, a check on a background
// thread evicts until the usage is under low_watermark of the limit:
//   1. expired entries first (already unreadable; a compaction drops them),
//   2. then live entries chosen by S3-FIFO (s3_fifo.h) from an in-RAM index of each namespace's
//      keys fed by every write and read through this object, deleted evict_batch at a time in
//      one WriteBatch each,
//   3. then compacts the namespace when its files are what keeps it over (a delete frees
//      nothing on an LSM until a compaction drops the entries it hides), or for the disk limits.
// Writers only record sizes in the index; they evict themselves only when a namespace's indexed
// bytes pass quota * (1 + assist_slack), i.e. when the thread falls behind ("assisted").
// A namespace over its quota only ever evicts its own entries; the global limits take from every
// user namespace in proportion to its usage. Internal namespaces ('.' names: statistics,
// invalid-ID lists, the hot-set record) count towards max_disk_bytes (their SST bytes) and the
// free-disk floor (they use the same disk) but are never evicted.
//
// Usage of a namespace (NamespaceFigures::used_bytes) = max(its SST files' bytes, the bytes of
// its indexed entries): the first is what the disk really holds once flushed, the second sees
// entries still in the memtable at once. The slack beyond a limit (docs/storage.md, "Size
// bounds") is: what arrives during one check period, the memtable of each namespace until its
// flush, the WAL (max_total_wal_bytes), and the SST files a compaction writes before it deletes
// the ones it replaces.
//
// Writes keep succeeding; the only write refused for size is one whose single entry is larger
// than its namespace's quota (TooLarge, with both sizes). They wait only under the free-disk
// floor, for the running check and at most throttle_wait_ms.
//
// Consistency (tests/evict/eviction_consistency_test.cpp):
//  - Every write through this object holds its key's write guard (write_guards.h) from before
//    the wrapped store sees it until the index has recorded it. An eviction batch takes its
//    victims out of the index, then holds their guards while it drops those the index knows
//    again (written since) and deletes the rest with the wrapped store's DeleteManyBlind (one
//    WriteBatch, no read: the guards are held only while it is written, so writers of other
//    keys that share a stripe wait that long and no more). A write racing with the eviction of its
//    key is therefore either before it (and it is evicted, as any older entry) or after it (and it
//    stays): it is never lost.
//  - The wrapped RAM tier sees the delete as any other (its DeleteManyBlind erases the keys around
//    the store's delete), so an evicted key is a miss everywhere at once. The hot-set record
//    holds keys, not values: a warm-up reads the store, which no longer has the key.
//  - A restart rebuilds the index from a scan of the store, in the order the entries were
//    written (created_ms); checks wait until it is loaded, writes and reads do not.
//
// Thread safety: every method may be called concurrently from any thread, as for any Store.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "evict/eviction_options.h"
#include "evict/s3_fifo.h"
#include "evict/write_guards.h"
#include "storage/store.h"

namespace apicached {

// Why an entry was evicted (the metrics' `reason` label).
enum class EvictionReason { kQuota, kDisk, kExpired };
std::string_view EvictionReasonName(EvictionReason reason);  // "quota", "disk", "expired"

// The whole layer's figures, for metrics/ and the health check.
struct EvictionFigures {
  uint64_t max_disk_bytes = 0;
  uint64_t min_free_disk_bytes = 0;
  uint64_t used_bytes = 0;                  // all namespaces together, as of the last check
  uint64_t internal_bytes = 0;              // ... of which the internal ('.') namespaces'
  std::optional<uint64_t> free_disk_bytes;  // as of the last check; nullopt: not read
  uint64_t checks = 0;                      // checks run since start
  double work_seconds = 0;                  // time spent in them (evicting and compacting)
  uint64_t compactions = 0;                 // namespace compactions the checks ran
  double compaction_seconds = 0;            // ... and the part of work_seconds they took
  bool index_loaded = false;                // the restart's scan is done
  uint64_t assisted_evictions = 0;          // entries writers evicted themselves (behind)
  uint64_t throttled_writes = 0;            // writes that waited under the free-disk floor
  uint64_t throttle_timeouts = 0;           // ... and went on after throttle_wait_ms
  uint64_t writes_waiting = 0;              // writes waiting under the floor right now
  // Non-empty when the last check ended still over a limit or failed: why (health: degraded).
  std::string behind;
};

// What one check did.
struct EvictionReport {
  uint64_t evicted = 0;           // live entries deleted
  uint64_t expired = 0;           // expired entries dropped from the index
  uint64_t compactions = 0;       // namespaces compacted
  std::vector<std::string> over;  // limits still exceeded at its end ("namespace 'x' quota", ...)
};

// One line on what a check did, for the log: "evicted 1500 entries, dropped 3 expired, compacted
// 1 namespace; within every limit" (or "; still over: namespace 'big' quota"), or why it failed.
// Empty when it did nothing and is within every limit.
std::string DescribeCheck(const Result<EvictionReport>& report);

class EvictingStore final : public Store {
 public:
  // Wraps inner (REQUIRES: open); uses its clock. Starts nothing: call Start.
  EvictingStore(std::unique_ptr<Store> inner, EvictionOptions options);
  ~EvictingStore() override;  // Close()

  // Starts the background thread (unless options.period_ms is 0): it loads the index, then
  // checks every period. Call once.
  void Start();
  // Rebuilds the index from a scan of every user namespace (what the thread does first).
  // Entries written meanwhile are recorded as usual and are not overwritten by the scan.
  Status LoadIndex();
  // One check now, blocking until its evictions and compactions are done. Before LoadIndex has
  // finished, Unavailable.
  Result<EvictionReport> RunEviction();
  // Replaces the limits from the next check on (SIGHUP); wakes the thread.
  void SetLimits(EvictionLimits limits);
  EvictionLimits limits() const;
  EvictionFigures figures() const;

  // Store, recording writes in the index (refusing an entry larger than its quota):
  Result<WriteOutcome> Put(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0, bool report_replaced = false) override;
  Result<WriteOutcome> Add(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0) override;
  Result<WriteOutcome> CompareAndSet(std::string_view ns, std::string_view key,
                                     uint64_t expected_version, std::string_view value,
                                     std::string_view content_type,
                                     std::optional<int64_t> ttl_seconds,
                                     uint32_t flags = 0) override;
  Result<EntryInfo> Touch(std::string_view ns, std::string_view key,
                          std::optional<int64_t> ttl_seconds) override;
  Result<int64_t> Incr(std::string_view ns, std::string_view key, int64_t delta,
                       std::optional<int64_t> ttl_on_create) override;
  Result<std::optional<Entry>> Mutate(std::string_view ns, std::string_view key,
                                      const MutateFn& fn) override;
  Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                          const std::vector<PutItem>& items) override;
  Result<bool> Delete(std::string_view ns, std::string_view key) override;
  Result<std::vector<BatchWriteResult>> WriteAtomically(
      const std::vector<BatchWrite>& writes) override;
  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override;
  Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) override;
  Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) override;
  Status ClearNamespace(std::string_view ns) override;
  Result<bool> DropNamespace(std::string_view ns) override;
  // Store, recording reads:
  Result<Entry> Get(std::string_view ns, std::string_view key) override;
  Result<std::vector<std::optional<Entry>>> MultiGet(std::string_view ns,
                                                     const std::vector<std::string>& keys) override;
  // Store, with the size-bound figures filled in:
  Result<std::vector<NamespaceFigures>> ListNamespaces() override;
  Result<NamespaceFigures> GetNamespace(std::string_view ns) override;
  // false under the free-disk floor (writes are throttled there), else the inner store's answer.
  bool WritesWithoutWaiting(std::string_view ns) override;
  // Store, forwarded:
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit) override;
  // Stops the thread, then closes the wrapped store.
  Status Close() override;
  const Clock& clock() const override { return inner_->clock(); }
  const StoreOptions& options() const override { return inner_->options(); }
  Status CommitWrites() override { return inner_->CommitWrites(); }
  StoreAdmin& admin() override { return inner_->admin(); }

  // The wrapped store.
  Store& inner() { return *inner_; }

 private:
  struct Tracked {
    S3Fifo index;
    std::atomic<uint64_t> evicted[3] = {0, 0, 0};  // by EvictionReason
    std::mutex assist_mu;  // one writer at a time evicts for the namespace (Assist)
    explicit Tracked(const S3FifoOptions& policy) : index(policy) {}
  };

  // Whether ns is a user namespace (indexed and evicted).
  static bool Evictable(std::string_view ns);
  Tracked* Find(std::string_view ns) const;  // nullptr when not indexed yet
  Tracked& FindOrAdd(std::string_view ns);
  uint64_t EntryBytes(std::string_view key, std::string_view value,
                      std::string_view content_type) const;
  Status CheckFits(std::string_view ns, uint64_t bytes) const;
  uint64_t QuotaOf(std::string_view ns) const;  // without copying the limits
  void Record(std::string_view ns, std::string_view key, const Entry& entry);
  void Record(std::string_view ns, std::string_view key, std::string_view value,
              std::string_view content_type, const EntryInfo& info);
  void Forget(std::string_view ns, std::string_view key);
  // Runs write under key's write guard, then Assist(ns).
  template <typename Write>
  auto GuardedWrite(std::string_view ns, std::string_view key, Write write);
  // After a write to ns: evicts on the caller's thread when the background check fell behind
  // (indexed bytes over quota * (1 + assist_slack)), back down to the quota.
  void Assist(std::string_view ns);
  void Wake();
  // Before a write: while the free space is under the floor, waits (at most a second) for
  // the running check to end, so that a burst of writes cannot fill the disk while a check
  // compacts (writes slow down; they do not fail).
  void Throttle();
  // After a write of `written` bytes: reads the free space once per MiB written, and marks it
  // low (waking the check) under the floor.
  void ProbeFreeSpace(uint64_t written);
  void Fill(NamespaceFigures& f);

  // Evicts from ns until its indexed bytes are at most target_bytes (or the index is empty),
  // whoever else evicts meanwhile; returns the entries evicted. Adds to report.
  Result<uint64_t> EvictDownTo(std::string_view ns, Tracked& tracked, uint64_t target_bytes,
                               EvictionReason reason, EvictionReport& report);
  // Deletes the victims the index has not recorded again, in one batch; returns how many.
  Result<uint64_t> DeleteVictims(std::string_view ns, Tracked& tracked,
                                 const std::vector<Victim>& victims, EvictionReason reason);
  Result<EvictionReport> Check();
  // The namespace's compaction (StoreAdmin::CompactNamespace), counted and timed.
  Status Compact(std::string_view ns, EvictionReport& report);
  void Loop();

  std::unique_ptr<Store> inner_;
  const EvictionOptions options_;

  mutable std::mutex limits_mu_;
  EvictionLimits limits_;  // guarded by limits_mu_

  mutable std::shared_mutex tracked_mu_;  // guards the map, not the Tracked objects
  std::map<std::string, std::unique_ptr<Tracked>, std::less<>> tracked_;

  std::mutex check_mu_;  // one check at a time
  std::atomic<bool> index_loaded_{false};
  std::atomic<uint64_t> checks_{0};
  std::atomic<int64_t> work_ns_{0};
  std::atomic<int64_t> compaction_ns_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> used_bytes_{0};
  std::atomic<int64_t> free_disk_bytes_{-1};
  std::atomic<uint64_t> written_since_check_{0};
  std::atomic<uint64_t> written_since_probe_{0};
  std::atomic<uint64_t> min_free_disk_bytes_{0};  // limits_.min_free_disk_bytes, lock-free
  std::atomic<uint64_t> check_every_bytes_{0};    // options_ and limits_.max_disk_bytes'
  std::atomic<uint64_t> internal_bytes_{0};
  std::atomic<uint64_t> assisted_{0};
  std::atomic<uint64_t> throttled_{0};
  std::atomic<uint64_t> throttle_timeouts_{0};
  std::atomic<uint64_t> waiting_{0};
  WriteGuards guards_;
  std::atomic<bool> low_space_{false};  // free space under half the floor
  std::mutex done_mu_;
  std::condition_variable done_cv_;
  uint64_t checks_done_ = 0;  // guarded by done_mu_
  mutable std::mutex behind_mu_;
  std::string behind_;  // guarded by behind_mu_

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool woken_ = false;  // guarded by thread_mu_
  bool stop_ = false;   // guarded by thread_mu_
  std::thread thread_;
  std::atomic<bool> closed_{false};
};

}  // namespace apicached
