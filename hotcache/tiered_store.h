// TieredStore: a Store that answers hot reads from RAM (HotCache) in front of another Store (the
// RocksDB one), and that comes back warm after a restart. The module's public header.
//
// Thread safety: every method may be called concurrently from any thread, as for any Store.
//
// Consistency: no read ever returns what the inner store would not return at that instant,
// expiry included. The argument:
//  - A cached entry carries its expires_ms and every lookup checks it against the same Clock as
//    the inner store, so an entry expires in RAM exactly when it expires on disk.
//  - Every mutation of one key (Put, Delete, Add, CompareAndSet, Touch, Incr, Mutate, and each
//    key of MultiPut / DeleteMany) runs as BeginKeyWrite -> inner write -> EndKeyWrite.
//    BeginKeyWrite erases the cached entry BEFORE the store changes, so no hit can return the
//    old value once the new one may be visible; namespace writes (ClearNamespace,
//    DropNamespace, DeletePrefix) do the same for the whole namespace (a generation bump, O(1))
//    or for the prefix (a scan).
//  - The classic race (a reader reads the old value from the store, a writer writes and
//    invalidates, the reader then caches the old value) is closed by fill tickets: a reader
//    takes a ticket BEFORE reading the store, and the cache accepts the fill only if no write
//    of the key's stripe or of its namespace began or ended since, and none is in flight. If
//    the fill is accepted, every write of the key either completed before the ticket (so the
//    value read is current) or begins after the insert (and its Begin erases it). A refused
//    fill only costs a later store read.
//  - Warm-up fills go through the same tickets, so a concurrent write always wins over
//    warm-up data.
//  - After Close(), nothing is served from RAM.
// All mutations must go through this object: a write made directly to the inner store is not
// seen by the cache.
//
// Warm restart: the keys of the LRU, most recent first, bounded by hot_set_max_keys and
// hot_set_max_bytes, are recorded in the store itself (internal namespace ".hotset", in chunks
// of at most 256 KiB written with their index in one atomic MultiPut) every
// hot_set_period_seconds and by SaveHotSet() (which Close() calls). StartWarmup() reads the last
// record back and fills the LRU in a background thread with batched MultiGets; the store
// answers meanwhile. Entries that expired while the daemon was down are not loaded. The record
// holds keys, never values: a key of a dropped namespace loads nothing (or the new incarnation's
// entry, read from the store like any fill). Records are
// not written while a warm-up runs, so an interrupted warm-up never shrinks the record.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hotcache/hot_cache.h"
#include "storage/store.h"

namespace apicached {

// Figures for metrics/.
struct HotFigures {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t bytes = 0;
  uint64_t entries = 0;
  uint64_t capacity_bytes = 0;
  uint64_t warmup_keys_loaded = 0;  // entries the last warm-up put in RAM
  double warmup_seconds = 0;        // how long it took (so far, while running)
  bool warmup_done = false;         // finished (also true when there was nothing to load)
  // Non-empty when the warm-up failed (its record could not be read, or a store read of its
  // keys failed): why. The tier works, just colder; the next record replaces the damaged one.
  std::string warmup_error;
  uint64_t hot_set_records = 0;        // records written since start
  uint64_t hot_set_keys_recorded = 0;  // keys in the last record
  uint64_t hot_set_record_errors = 0;  // periodic records and warm-up loads that failed
};

class TieredStore final : public Store {
 public:
  // The internal namespace holding the hot-set record.
  static constexpr std::string_view kHotSetNamespace = ".hotset";

  // Wraps inner; uses inner's clock. Starts the periodic hot-set recorder when
  // options.hot_set_period_seconds > 0. REQUIRES: inner is open.
  TieredStore(std::unique_ptr<Store> inner, const HotCacheOptions& options);
  ~TieredStore() override;  // Close()

  // Starts loading the last hot-set record into RAM in a background thread and returns at
  // once. Call it once, after construction. Progress: hot_figures().
  void StartWarmup();

  // Records the current hot set now. Ok (and writes nothing) when the LRU is empty or a warm-up
  // is running; errors of the inner store otherwise.
  Status SaveHotSet();

  HotFigures hot_figures() const;

  // The wrapped store (benchmarks compare it with the cached path). Writing through it
  // directly bypasses cache invalidation.
  Store& inner() { return *inner_; }

  // Store, read-through:
  Result<Entry> Get(std::string_view ns, std::string_view key) override;
  Result<std::vector<std::optional<Entry>>> MultiGet(std::string_view ns,
                                                     const std::vector<std::string>& keys) override;
  // Store, invalidating:
  Result<EntryInfo> Put(std::string_view ns, std::string_view key, std::string_view value,
                        std::string_view content_type, std::optional<int64_t> ttl_seconds,
                        uint32_t flags = 0) override;
  Result<bool> Delete(std::string_view ns, std::string_view key) override;
  Result<EntryInfo> Add(std::string_view ns, std::string_view key, std::string_view value,
                        std::string_view content_type, std::optional<int64_t> ttl_seconds,
                        uint32_t flags = 0) override;
  Result<EntryInfo> CompareAndSet(std::string_view ns, std::string_view key,
                                  uint64_t expected_version, std::string_view value,
                                  std::string_view content_type, std::optional<int64_t> ttl_seconds,
                                  uint32_t flags = 0) override;
  Result<EntryInfo> Touch(std::string_view ns, std::string_view key,
                          std::optional<int64_t> ttl_seconds) override;
  Result<int64_t> Incr(std::string_view ns, std::string_view key, int64_t delta,
                       std::optional<int64_t> ttl_on_create) override;
  Result<std::optional<Entry>> Mutate(std::string_view ns, std::string_view key,
                                      const MutateFn& fn) override;
  Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                          const std::vector<PutItem>& items) override;
  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override;
  Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) override;
  Status ClearNamespace(std::string_view ns) override;
  // Forgets the namespace in RAM (a generation bump, as ClearNamespace) around the inner drop.
  Result<bool> DropNamespace(std::string_view ns) override;
  // Store, forwarded:
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit) override;
  Result<std::vector<NamespaceFigures>> ListNamespaces() override;
  Result<NamespaceFigures> GetNamespace(std::string_view ns) override;
  Result<MaintenanceReport> RunMaintenance(std::string_view ns) override;
  MaintenanceReport MaintenanceTotals() const override { return inner_->MaintenanceTotals(); }
  Status Checkpoint(const std::string& dir) override;
  Status CheckHealth() override;
  void SetTtlDefaults(TtlDefaults defaults) override;
  // Stops the background threads, records the hot set, empties the LRU, closes the inner store.
  Status Close() override;
  const Clock& clock() const override { return inner_->clock(); }
  const StoreOptions& options() const override { return inner_->options(); }

 private:
  enum class WarmupState { kNotStarted, kRunning, kDone, kFailed };

  // Whether ns is served through the cache (valid names, except the hot-set record's).
  bool Cached(std::string_view ns) const;
  template <typename Fn>
  auto KeyWrite(std::string_view ns, std::string_view key, Fn&& write);
  template <typename Fn>
  auto KeysWrite(std::string_view ns, const std::vector<std::string_view>& keys, Fn&& write);
  void RecorderLoop();
  void WarmupLoop();
  Status LoadHotSet(std::vector<std::pair<std::string, std::string>>* keys);  // appends

  std::unique_ptr<Store> inner_;
  HotCache cache_;
  std::atomic<bool> closed_{false};

  std::mutex save_mu_;        // one record at a time
  uint64_t last_chunks_ = 0;  // guarded by save_mu_: chunks of the last record written

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;  // guarded by thread_mu_
  std::thread recorder_;
  std::thread warmup_;

  std::atomic<WarmupState> warmup_state_{WarmupState::kNotStarted};
  std::atomic<uint64_t> warmup_keys_loaded_{0};
  std::atomic<int64_t> warmup_start_ns_{0};  // steady_clock
  std::atomic<int64_t> warmup_end_ns_{0};
  std::string warmup_error_;  // set by the warm-up thread before warmup_state_ becomes kFailed
  std::atomic<uint64_t> hot_set_records_{0};
  std::atomic<uint64_t> hot_set_keys_recorded_{0};
  std::atomic<uint64_t> hot_set_record_errors_{0};
};

}  // namespace apicached
