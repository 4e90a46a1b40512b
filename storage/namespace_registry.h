// Maps namespace names to RocksDB column families. Private to storage/.
//
// Each namespace is the column family "ns:<name>" (RocksDB's own "default" family holds
// nothing), created on first write, found again by OpenDatabase after a restart, and removed by
// Drop. An operation holds its namespace through a NamespaceRef: while one exists the Namespace
// and its column family handle stay valid (Drop waits for it; a reopen waits for operations to
// end through the store's lifecycle lock).
//
// Thread safety: Find takes a shared lock and is cheap; FindOrCreate and Drop serialise with a
// separate mutex so that lookups are not blocked while RocksDB writes its MANIFEST.
//
// Lock order: a key stripe (KeyLocks) may be taken while holding a NamespaceRef, never the other
// way round when the ref comes from FindOrCreate (a creation can wait for a Drop, and a Drop
// waits for every NamespaceRef of its namespace).
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

// User names per ValidateNamespaceName; internal ones are '.' followed by such a name.
Status ValidateAnyNamespace(std::string_view ns);

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
  // REQUIRES: the caller held clear_compaction_mu exclusively from before that compaction began.
  void NoteClearCompacted(uint64_t clears_before) {
    std::lock_guard lock(clear_mu_);
    if (clears_ == clears_before) hidden_by_clear_ = 0;
  }
  // REQUIRES: rocksdb_estimate was read under a shared lock of clear_compaction_mu, still held.
  uint64_t LiveKeysEstimate(uint64_t rocksdb_estimate) const {
    std::lock_guard lock(clear_mu_);
    return rocksdb_estimate - std::min(rocksdb_estimate, hidden_by_clear_);
  }

  // Compactions of its column family name counted before this incarnation existed (a dropped
  // namespace of the same name); NamespaceFigures::compactions counts from here.
  uint64_t compactions_base = 0;
  std::shared_mutex in_use;  // held shared by each NamespaceRef, exclusively by Drop

  // The compaction a clear asks for drops the hidden keys from RocksDB's estimate step by step
  // (its flush already drops those in the memtable) before NoteClearCompacted can stop
  // subtracting them: an estimate read in between would count keys written after the clear as
  // 0. So that compaction holds this exclusively until NoteClearCompacted, and the figures read
  // the estimate under it shared (they wait for that one compaction; nothing else takes it).
  // A flush RocksDB starts on its own between a clear and that compaction (a full memtable) can
  // still undercount until the compaction has run: the clear wakes the compaction at once.
  mutable std::shared_mutex clear_compaction_mu;

 private:
  mutable std::mutex clear_mu_;
  uint64_t hidden_by_clear_ = 0;
  uint64_t clears_ = 0;
};

// One operation's hold on a namespace (see above). Empty when the namespace does not exist.
// Movable, not copyable.
class NamespaceRef {
 public:
  NamespaceRef() = default;
  explicit operator bool() const { return ns_ != nullptr; }
  Namespace& operator*() const { return *ns_; }
  Namespace* operator->() const { return ns_; }

 private:
  friend class NamespaceRegistry;
  explicit NamespaceRef(Namespace* ns) : ns_(ns), hold_(ns->in_use) {}

  Namespace* ns_ = nullptr;
  std::shared_lock<std::shared_mutex> hold_;
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

  // REQUIRES: ns was validated. Empty when the namespace does not exist (never written, or
  // dropped).
  NamespaceRef Find(std::string_view ns) const;
  // REQUIRES: ns was validated; the caller holds no key stripe (see the lock order).
  // ResourceExhausted past max_namespaces user namespaces. Waits while a Drop of the same
  // namespace runs.
  Result<NamespaceRef> FindOrCreate(std::string_view ns);
  // Removes the namespace: no Find sees it from the start of the call on; waits for the
  // operations holding it, then drops its column family (RocksDB deletes its files once no
  // reader uses them; a restart does not bring it back) and frees its max_namespaces slot.
  // true when it existed, false when there was none. On a RocksDB error the namespace is left
  // as it was. REQUIRES: ns was validated; the caller holds no NamespaceRef nor key stripe.
  Result<bool> Drop(std::string_view ns);
  // The names of all namespaces (internal ones too), sorted.
  std::vector<std::string> Names() const;
  // All namespaces, by name. REQUIRES: no concurrent Drop (the store holds its lifecycle lock
  // exclusively, as on close).
  std::vector<Namespace*> All() const;

  // Destroys the column family handles; call before closing the database.
  void ReleaseHandles();

 private:
  std::unique_ptr<Namespace> MakeNamespace(std::string_view ns) const;
  void Insert(std::unique_ptr<Namespace> ns);  // REQUIRES: mu_ held exclusively
  rocksdb::ColumnFamilyOptions OptionsFor(const Namespace& ns) const;

  const StoreOptions& options_;
  const RocksResources& resources_;
  const Clock& clock_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;

  std::mutex create_mu_;          // one creation or drop at a time
  mutable std::shared_mutex mu_;  // guards namespaces_ and user_count_
  std::map<std::string, std::unique_ptr<Namespace>, std::less<>> namespaces_;
  uint32_t user_count_ = 0;
};

}  // namespace apicached
