// HotCache: a sharded, byte-bounded LRU of decoded entries, keyed by (namespace, key).
//
// It is a standalone class: it knows nothing of RocksDB and never reads the store. TieredStore
// (tiered_store.h, the module's public header) composes it with a Store; tests use it alone.
//
// Thread safety: every method may be called concurrently from any thread. Each shard has its own
// mutex; no method holds two shard mutexes at once.
//
// Memory: the budget counts, per entry, the namespace and key bytes, the value and content type
// bytes, and kEntryOverhead (list node, hash-map node and bucket, allocator headers of the heap
// blocks an entry owns). bytes() is exactly the sum of Charge() over the entries held. Stale
// entries of a cleared namespace are counted until they are evicted or looked up.
//
// Consistency protocol (see tiered_store.h for the argument). A reader that missed takes a
// FillTicket BEFORE reading the store and presents it to Insert(); Insert() refuses the entry if
// any write that could touch the key began or ended in between, or is still in flight. Writers
// bracket their store call with BeginKeyWrite/EndKeyWrite (one key) or
// BeginNamespaceWrite/EndNamespaceWrite (a whole namespace or a prefix of it).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/clock.h"
#include "storage/store.h"

namespace apicached {

struct HotCacheOptions {
  // RAM budget of the LRU, counted as described above. Split evenly between the shards.
  uint64_t capacity_bytes = 64ull << 20;
  // Values longer than this are never kept in RAM, so one big value cannot flush the hot set.
  // 64 KiB holds every API response of the seed application (tax-ID lookups are ~0.5-4 KiB)
  // while keeping at least 64 entries per shard at the default capacity.
  uint64_t max_entry_bytes = 64ull << 10;
  // Independently locked shards; more shards, less contention between threads.
  uint32_t shards = 16;
  // Warm restart: at most this many keys are recorded, most recently used first ...
  uint32_t hot_set_max_keys = 100'000;
  // ... and at most this many bytes of namespace + key text.
  uint64_t hot_set_max_bytes = 8ull << 20;
  // Period of the background hot-set record; 0 turns the thread off (SaveHotSet() still works).
  uint32_t hot_set_period_seconds = 60;
  // Keys per MultiGet while warming up.
  uint32_t warmup_batch_keys = 512;
};

struct HotCacheStats {
  uint64_t hits = 0;       // Lookup() found a live entry
  uint64_t misses = 0;     // Lookup() found nothing (or a stale / expired entry)
  uint64_t evictions = 0;  // entries pushed out to make room (not invalidations)
  uint64_t bytes = 0;      // sum of Charge() of held entries
  uint64_t entries = 0;
};

class HotCache {
 public:
  struct NsRecord;  // per-namespace generation and write counters; opaque

  // Bytes counted per entry on top of its strings; see Charge().
  static const uint64_t kEntryOverhead;
  // Namespaces tracked at most; past it, new namespaces are simply not cached.
  static constexpr size_t kMaxNamespaces = 4096;

  // The clock must outlive the cache. REQUIRES: options.shards >= 1.
  HotCache(const HotCacheOptions& options, const Clock& clock);
  ~HotCache();
  HotCache(const HotCache&) = delete;
  HotCache& operator=(const HotCache&) = delete;

  // A copy of the live entry, moved to the most recent end; nullopt on a miss. An expired entry
  // (per the clock) or one of a cleared namespace is erased and counts as a miss.
  std::optional<Entry> Lookup(std::string_view ns, std::string_view key);

  // What a reader saw before reading the store; opaque to callers.
  struct FillTicket {
    NsRecord* ns = nullptr;  // nullptr: the namespace cannot be cached
    uint64_t ns_seq = 0;
    uint64_t ns_gen = 0;
    uint64_t stripe_seq = 0;
  };
  // Take this before reading the store for (ns, key).
  FillTicket BeginFill(std::string_view ns, std::string_view key);
  // Inserts (or replaces) the entry as most recent, unless: the ticket is stale (a write on the
  // key or its namespace began or ended since BeginFill, or is still running), the value is over
  // max_entry_bytes, the entry has already expired, or it cannot fit. When may_evict is false,
  // it is also refused if it would need to evict anything (warm-up never pushes out live
  // traffic). Returns whether it was inserted.
  bool Insert(const FillTicket& ticket, std::string_view ns, std::string_view key,
              const Entry& entry, bool may_evict = true);

  // Brackets a store write of one key: BeginKeyWrite erases the key and, until the matching
  // EndKeyWrite, no fill of it is accepted. Calls nest and may overlap between threads.
  void BeginKeyWrite(std::string_view ns, std::string_view key);
  void EndKeyWrite(std::string_view ns, std::string_view key);

  // Brackets a store write of a whole namespace (prefix empty: O(1), by bumping the namespace's
  // generation) or of every key starting with prefix (O(entries held), a scan of every shard).
  // Until the matching End call, no fill in the namespace is accepted.
  void BeginNamespaceWrite(std::string_view ns, std::string_view prefix);
  void EndNamespaceWrite(std::string_view ns);

  // Unconditional shorthands for standalone use (no store behind).
  bool Put(std::string_view ns, std::string_view key, const Entry& entry);
  void Erase(std::string_view ns, std::string_view key);
  void InvalidateNamespace(std::string_view ns);
  void InvalidatePrefix(std::string_view ns, std::string_view prefix);
  // Drops every entry (used at close).
  void Clear();

  // Up to max_keys live (namespace, key) pairs, most recently used first within each shard,
  // whose namespace + key text totals at most max_bytes. Spread evenly over the shards.
  std::vector<std::pair<std::string, std::string>> HotKeys(size_t max_keys, size_t max_bytes) const;

  HotCacheStats stats() const;
  uint64_t capacity_bytes() const { return options_.capacity_bytes; }
  const HotCacheOptions& options() const { return options_; }

  // What an entry is charged against the budget.
  static uint64_t Charge(std::string_view ns, std::string_view key, const Entry& entry);

 private:
  struct Node;
  struct Shard;

  size_t ShardOf(std::string_view composite, size_t* stripe) const;
  NsRecord* FindNamespace(std::string_view ns, bool create);
  void EraseNodeLocked(Shard& shard, Node* node);
  void EvictLocked(Shard& shard, uint64_t needed);

  const HotCacheOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;

  std::mutex ns_mu_;
  std::unordered_map<std::string, std::unique_ptr<NsRecord>> namespaces_;  // guarded by ns_mu_

  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> entries_{0};
};

}  // namespace apicached
