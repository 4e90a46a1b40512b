// The RocksDB-backed Store (see store.h for the contract). Private to storage/: other folders
// get one through OpenStore().
//
// Locking: every operation holds lifecycle_mu_ shared for its duration, Close and Reopen hold it
// exclusively; single-key read-modify-writes (and Put, MultiPut, DeleteMany, so that they
// serialise with them) hold the key's stripe in locks_. An operation holds its namespace with a
// NamespaceRef (the registry's lookup takes a shared lock), which DropNamespace waits for.
//
// The operations live in files by kind: rocks_store.cpp (open, close, the hold),
// rocks_store_recovery.cpp, rocks_store_rules.cpp (validation, expiry), rocks_store_entries.cpp
// (one entry read or written; Get), rocks_store_writes.cpp, rocks_store_mutate.cpp,
// rocks_store_batches.cpp, rocks_store_ranges.cpp, rocks_store_namespaces.cpp and
// rocks_store_admin.cpp.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "storage/key_locks.h"
#include "storage/namespace_registry.h"
#include "storage/periodic_task.h"
#include "storage/rocks_options.h"
#include "storage/store.h"
#include "storage/version_source.h"

namespace apicached {

class RocksStore final : public Store, public StoreAdmin {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options, const Clock& clock);
  ~RocksStore() override;

  Result<Entry> Get(std::string_view ns, std::string_view key) override;
  Result<WriteOutcome> Put(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0, bool report_replaced = false) override;
  Result<bool> Delete(std::string_view ns, std::string_view key) override;
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
  Result<std::vector<std::optional<Entry>>> MultiGet(std::string_view ns,
                                                     const std::vector<std::string>& keys) override;
  Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                          const std::vector<PutItem>& items) override;
  Result<std::vector<BatchWriteResult>> WriteAtomically(
      const std::vector<BatchWrite>& writes) override;
  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override;
  Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) override;
  Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) override;
  Status ClearNamespace(std::string_view ns) override;
  Result<bool> DropNamespace(std::string_view ns) override;
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit) override;
  Result<std::vector<NamespaceFigures>> ListNamespaces() override;
  Result<NamespaceFigures> GetNamespace(std::string_view ns) override;
  bool WritesWithoutWaiting(std::string_view ns) override;
  Status Close() override;
  Status CommitWrites() override;
  StoreAdmin& admin() override { return *this; }

  // StoreAdmin:
  Result<MaintenanceReport> RunMaintenance(std::string_view ns) override;
  MaintenanceReport MaintenanceTotals() const override;
  Status CompactNamespace(std::string_view ns) override;
  Result<uint64_t> InternalDiskBytes() override;
  Status Checkpoint(const std::string& dir) override;
  Status CheckHealth() override;
  void SetTtlDefaults(TtlDefaults defaults) override;

  const Clock& clock() const override { return clock_; }
  const StoreOptions& options() const override { return options_; }

 private:
  RocksStore(const StoreOptions& options, const Clock& clock);

  // A shared hold on the open database, or Unavailable once Close has begun (or while a reopen
  // keeps failing). When RocksDB stopped writing after a background error, first tries to
  // recover it (Recover).
  Result<std::shared_lock<std::shared_mutex>> Enter();
  // At most once a second: DB::Resume(), and when RocksDB refuses to resume a fatal I/O error,
  // Reopen(). REQUIRES: no hold (a reopen takes lifecycle_mu_ exclusively).
  void Recover();
  // Closes the database and opens it again (WAL replay; namespaces, their counters and the hot
  // tier above stay as they are), once a probe file can be written into the data directory.
  // Leaves db_ null when the open fails; the next Recover tries again.
  void Reopen();

  // Put, Add and CompareAndSet: a new version of key, written when condition holds. The
  // current entry is read only for a condition or report_replaced (ReadLiveForWrite).
  enum class WriteCondition { kAlways, kAbsent, kVersion };
  Result<WriteOutcome> WriteIf(std::string_view ns, std::string_view key, std::string_view value,
                               std::string_view content_type, std::optional<int64_t> ttl_seconds,
                               uint32_t flags, WriteCondition condition,
                               uint64_t expected_version = 0, bool report_replaced = false);

  Status ValidateKey(std::string_view key) const;
  // Key, value size, content type. The ttl is checked by ExpiresAt, the one place that does.
  Status ValidateWrite(std::string_view key, std::string_view value,
                       std::string_view content_type) const;
  int64_t DefaultTtlSeconds(std::string_view ns) const;
  // The expires_ms a write at now_ms gets from ttl (see store.h for nullopt and 0).
  Result<int64_t> ExpiresAt(std::string_view ns, std::optional<int64_t> ttl, int64_t now_ms) const;
  // expires_ms with a grace period after it (0 stays 0: never expires).
  static int64_t WithGrace(int64_t expires_ms, uint32_t grace_seconds);

  // The live entry of key, or nullopt (absent or expired; an expired read is counted). *present
  // tells whether any version, live or not, is stored. cache_first: from the memtable and the
  // block cache only when they can tell (no file read), from the files otherwise.
  Result<std::optional<Entry>> ReadLive(Namespace& ns, std::string_view key, int64_t now_ms,
                                        bool* present = nullptr, bool cache_first = false);
  Result<std::optional<Entry>> DecodeLive(Namespace& ns, std::string_view raw, int64_t now_ms);
  // The read of a writer (which holds the key's stripe): cache first.
  Result<std::optional<Entry>> ReadLiveForWrite(Namespace& ns, std::string_view key, int64_t now_ms,
                                                bool* present = nullptr) {
    return ReadLive(ns, key, now_ms, present, /*cache_first=*/true);
  }
  // Writes a new version of key. REQUIRES: the key's stripe is held.
  Result<EntryInfo> WriteNew(Namespace& ns, std::string_view key, std::string_view value,
                             std::string_view content_type, uint32_t flags, int64_t expires_ms,
                             int64_t now_ms, uint32_t grace_seconds = 0);
  // Every write passes its RocksDB status through here: with manual WAL flushing (not
  // sync_writes) a successful write is flushed to the OS now, or counted as deferred when the
  // thread is in a WriteDeferral (CommitWrites flushes it then).
  rocksdb::Status Flushed(rocksdb::Status written);
  Status WriteEncoded(Namespace& ns, std::string_view key, const EntryInfo& info,
                      std::string_view content_type, std::string_view value);
  NamespaceFigures Figures(Namespace& ns);
  void BackgroundMaintenance();

  const StoreOptions options_;
  const Clock& clock_;
  const RocksResources resources_;
  const rocksdb::WriteOptions write_options_;
  NamespaceRegistry registry_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<VersionSource> versions_;
  KeyLocks locks_;

  mutable std::mutex ttl_mu_;
  TtlDefaults ttl_;  // guarded by ttl_mu_

  std::mutex close_mu_;
  std::shared_mutex lifecycle_mu_;
  std::atomic<bool> closed_{false};
  std::atomic<int64_t> last_resume_ns_{0};  // steady clock, of the last Recover attempt
  // db_ is null: a reopen failed (reopen_error_ says why) and is retried by Recover.
  std::atomic<bool> reopen_pending_{false};
  std::mutex reopen_mu_;
  std::string reopen_error_;  // guarded by reopen_mu_
  std::mutex maintenance_mu_;
  Status maintenance_error_;  // of the last background run; guarded
  // What every RunMaintenance did since open (see Store::MaintenanceTotals).
  std::atomic<uint64_t> maintenance_runs_{0};
  std::atomic<uint64_t> maintenance_checked_{0};
  std::atomic<uint64_t> maintenance_compacted_{0};
  std::atomic<uint64_t> maintenance_dropped_{0};
  std::unique_ptr<PeriodicTask> maintenance_;  // started last, stopped first
};

}  // namespace apicached
