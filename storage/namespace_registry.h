// Maps namespace names to RocksDB column families. Private to storage/.
//
// Each namespace is the column family "ns:<name>" (RocksDB's own "default" family holds
// nothing), created on first write and found again by OpenDatabase after a restart. Handles stay
// valid until ReleaseHandles (namespaces are never dropped), so a Namespace* may be kept for the
// duration of an operation without holding any lock (a reopen waits for operations to end).
//
// Thread safety: Find/All take a shared lock and are cheap; FindOrCreate serialises creations
// with a separate mutex so that readers are not blocked while RocksDB writes its MANIFEST.
#pragma once

#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/clock.h"
#include "storage/rocks_options.h"
#include "storage/store.h"

namespace apicached {

struct Namespace {
  std::string name;
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  std::shared_ptr<std::atomic<uint64_t>> expired_dropped;  // shared with its compaction filter
  std::atomic<uint64_t> expired_reads{0};
  std::atomic<bool> cleared{false};  // ClearNamespace left a range tombstone to compact away

  // RocksDB's key estimate goes on counting the keys a clear's range tombstone hides until a
  // compaction drops them (85,999 right after clearing 100k keys). The figures subtract the
  // estimate taken at the last clear until the compaction that clear asked for has run.
  void NoteClear(uint64_t estimate_after_clear) {
    std::lock_guard lock(clear_mu_);
    hidden_by_clear_ = estimate_after_clear;
    ++clears_;
  }
  uint64_t clears() const {
    std::lock_guard lock(clear_mu_);
    return clears_;
  }
  // The compaction started after clears() returned `clears_before` finished: the keys it hid
  // are gone from the estimate, unless another clear came since (its own compaction follows).
  void NoteClearCompacted(uint64_t clears_before) {
    std::lock_guard lock(clear_mu_);
    if (clears_ == clears_before) hidden_by_clear_ = 0;
  }
  uint64_t LiveKeysEstimate(uint64_t rocksdb_estimate) const {
    std::lock_guard lock(clear_mu_);
    return rocksdb_estimate - std::min(rocksdb_estimate, hidden_by_clear_);
  }

 private:
  mutable std::mutex clear_mu_;
  uint64_t hidden_by_clear_ = 0;
  uint64_t clears_ = 0;
};

class NamespaceRegistry {
 public:
  NamespaceRegistry(const StoreOptions& options, const RocksResources& resources,
                    const Clock& clock)
      : options_(options), resources_(resources), clock_(clock) {}
  NamespaceRegistry(const NamespaceRegistry&) = delete;
  NamespaceRegistry& operator=(const NamespaceRegistry&) = delete;

  // Opens the database at path with all its column families and adopts their handles. Also
  // after ReleaseHandles, to reopen: namespaces already known keep their Namespace (and
  // counters). REQUIRES: no operation is using a Namespace (the store holds its lifecycle lock).
  Result<std::unique_ptr<rocksdb::DB>> OpenDatabase(const rocksdb::DBOptions& db_options,
                                                    const std::string& path);

  // REQUIRES: ns was validated. nullptr when the namespace was never written.
  Namespace* Find(std::string_view ns) const;
  // REQUIRES: ns was validated. ResourceExhausted past max_namespaces user namespaces.
  Result<Namespace*> FindOrCreate(std::string_view ns);
  // All namespaces (internal ones too), by name.
  std::vector<Namespace*> All() const;

  // Destroys the column family handles; call before closing the database.
  void ReleaseHandles();

 private:
  std::unique_ptr<Namespace> MakeNamespace(std::string_view ns) const;
  rocksdb::ColumnFamilyOptions OptionsFor(const Namespace& ns) const;

  const StoreOptions& options_;
  const RocksResources& resources_;
  const Clock& clock_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;

  std::mutex create_mu_;
  mutable std::shared_mutex mu_;  // guards namespaces_ and user_count_
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> namespaces_;
  uint32_t user_count_ = 0;
};

}  // namespace apicached
