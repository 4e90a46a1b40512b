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
//  - A single-key Put writes through: BeginOwnKeyWrite notes the key's cached entry when no other
//    write of its stripe or namespace is in flight (the entry is then what the store holds), the
//    store asks for it under its key lock to report what the Put replaced without a read
//    (storage/known_entry.h), and EndOwnKeyWrite caches the written entry; both only when no other
//    write of the stripe or namespace began or ended since BeginOwnKeyWrite (docs/hot-cache.md,
//    "Consistency" 4).
//  - A MultiPut keeps what RAM holds exact: BeginKeyWrites begins every key of the batch, noting
//    whether it was cached and its stripe's sequence after the batch's last begin there;
//    EndKeyWrites caches the batch's last entry of each key that was cached only when its
//    stripe moved by the batch's own ends alone since and no write of another caller is in
//    flight there (nor of the namespace). A write of another caller that ended before the note
//    stored before the batch did; one that began after it, or is still running, voids the
//    caching. Keys that were not cached stay out. (It does not know entries: a MultiPut reports
//    nothing it replaced.)
//  - A WriteAtomically writes through as Put does, over keys of any namespace: the same bracket
//    caches each key's last put of the batch, and a key's entry noted at its begin, when no
//    other caller's write of its stripe or namespace was in flight from then to the stripe's
//    note, answers under the store's key lock what the key's first write replaced
//    (KnownEntryScope over every key; HotCache::KnownAlone).
//  - Warm-up fills go through the same tickets, so a concurrent write always wins over
//    warm-up data.
//  - After Close(), nothing is served from RAM.
// All mutations must go through this object: a write made directly to the inner store is not
// seen by the cache.
//
// Warm restart (warm_restart.h): the keys of the LRU are recorded in the store and loaded back
// after a restart, through the same fill tickets, so a concurrent write always wins over warm-up
// data.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hotcache/hot_cache.h"
#include "hotcache/hot_figures.h"
#include "hotcache/warm_restart.h"
#include "storage/store.h"

namespace apicached {

class TieredStore final : public Store {
 public:
  // The internal namespace holding the hot-set record.
  static constexpr std::string_view kHotSetNamespace = apicached::kHotSetNamespace;

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
  // WarmRestart's waits (warm_restart.h), for tests.
  bool WaitForWarmup(std::chrono::milliseconds timeout) { return warm_.WaitForWarmup(timeout); }
  bool WaitForHotSetRecordsAfter(uint64_t records, std::chrono::milliseconds timeout) {
    return warm_.WaitForRecordsAfter(records, timeout);
  }

  // The wrapped store (benchmarks compare it with the cached path). Writing through it
  // directly bypasses cache invalidation.
  Store& inner() { return *inner_; }

  // Store, read-through:
  Result<Entry> Get(std::string_view ns, std::string_view key) override;
  Result<std::vector<std::optional<Entry>>> MultiGet(std::string_view ns,
                                                     const std::vector<std::string>& keys) override;
  // A hit shares the RAM tier's entry (no copy); a miss reads through as Get.
  Result<SharedEntry> GetShared(std::string_view ns, std::string_view key) override;
  Result<std::vector<std::optional<SharedEntry>>> MultiGetShared(
      std::string_view ns, std::span<const std::string_view> keys) override;
  // Store, writing through (the entry written is cached; a cached entry answers report_replaced
  // without a store read):
  Result<WriteOutcome> Put(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl_seconds,
                           uint32_t flags = 0, bool report_replaced = false) override;
  // Store, invalidating:
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
  Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                          const std::vector<PutItem>& items) override;
  Result<std::vector<BatchWriteResult>> WriteAtomically(
      const std::vector<BatchWrite>& writes) override;
  Result<uint64_t> DeleteMany(std::string_view ns, const std::vector<std::string>& keys) override;
  Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) override;
  Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) override;
  Status ClearNamespace(std::string_view ns) override;
  // Forgets the namespace in RAM (a generation bump, as ClearNamespace) around the inner drop.
  Result<bool> DropNamespace(std::string_view ns) override;
  // Store, forwarded:
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit) override;
  Result<std::vector<NamespaceFigures>> ListNamespaces() override;
  Result<NamespaceFigures> GetNamespace(std::string_view ns) override;
  bool WritesWithoutWaiting(std::string_view ns) override {
    return inner_->WritesWithoutWaiting(ns);
  }
  // Stops the background threads, records the hot set, empties the LRU, closes the inner store.
  Status Close() override;
  const Clock& clock() const override { return inner_->clock(); }
  const StoreOptions& options() const override { return inner_->options(); }
  Status CommitWrites() override { return inner_->CommitWrites(); }
  StoreAdmin& admin() override { return inner_->admin(); }

 private:
  // Whether ns is served through the cache (valid names, except the hot-set record's).
  bool Cached(std::string_view ns) const { return HotTierServes(ns); }
  template <typename Fn>
  auto KeyWrite(std::string_view ns, std::string_view key, Fn&& write);
  // Get and MultiGet, in the form E (Entry or SharedEntry) that the lookups and wrap give.
  template <typename E, typename LookupFn, typename WrapFn>
  Result<E> ReadThrough(std::string_view ns, std::string_view key, LookupFn lookup, WrapFn wrap);
  template <typename E, typename Keys, typename LookupFn, typename WrapFn>
  Result<std::vector<std::optional<E>>> ReadThroughMany(std::string_view ns, const Keys& keys,
                                                        LookupFn lookup, WrapFn wrap);
  template <typename Fn>
  auto KeysWrite(std::string_view ns, const std::vector<std::string_view>& keys, Fn&& write);

  std::unique_ptr<Store> inner_;
  HotCache cache_;
  std::atomic<bool> closed_{false};
  std::mutex close_mu_;
  WarmRestart warm_;  // after cache_ and inner_, which it uses: stopped first
};

}  // namespace apicached
