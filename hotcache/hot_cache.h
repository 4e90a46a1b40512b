// HotCache: a sharded, byte-bounded LRU of decoded entries, keyed by (namespace, key).
//
// It is a standalone class: it knows nothing of RocksDB and never reads the store. TieredStore
// (tiered_store.h, the module's public header) composes it with a Store; tests use it alone.
//
// Thread safety: every method may be called concurrently from any thread. Each shard has its own
// mutex; no method holds two shard mutexes at once.
//
// Layout: an entry is ONE heap block (SharedBlock, storage/shared_block.h): a fixed header
// (hash-chain and LRU links, metadata) followed by the namespace, key, value and content type
// bytes. Each shard indexes its blocks with an intrusive chained hash table (memcached's
// design). A hit hands out a counted reference to the block (SharedEntry): nothing is copied
// under the shard's lock, and the bytes stay valid for the reader even if the entry is evicted,
// replaced or invalidated meanwhile (the block is freed with its last reference).
//
// Memory: the budget counts, per entry, what the allocator really hands out for its block
// (glibc's chunk: the block size plus an 8-byte header, rounded up to 16, at least 32) plus one
// hash bucket pointer (the table grows at one entry per bucket). bytes() is exactly the sum of
// Charge() over the entries held. A block a reader still holds after its eviction is no longer
// counted (it is freed when the reader lets go). Stale entries of a cleared namespace are
// counted until they are evicted or looked up.
//
// Recency: as memcached (ITEM_UPDATE_INTERVAL), a hit moves its entry to the most recent end
// at most once per lru_bump_interval_ms; the hits in between only read. Eviction takes the least
// recently bumped entries first, as many as the new entry needs.
//
// Consistency protocol (see tiered_store.h for the argument). A reader that missed takes a
// FillTicket BEFORE reading the store and presents it to Insert(); Insert() refuses the entry if
// any write that could touch the key began or ended in between, or is still in flight. Writers
// bracket their store call with BeginKeyWrite/EndKeyWrite (one key) or
// BeginNamespaceWrite/EndNamespaceWrite (a whole namespace or a prefix of it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
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
  // A hit moves its entry to the most recent end only when its last move is at least this old
  // (memcached's ITEM_UPDATE_INTERVAL is 60 s): a hot entry then costs a relink a minute, not
  // one per hit. 0: every hit moves it (an exact LRU).
  uint32_t lru_bump_interval_ms = 60'000;
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

  // Bytes of an entry's block before its strings (the header); see Charge().
  static const uint64_t kEntryHeaderBytes;
  // Namespaces tracked at most; past it, new namespaces are simply not cached.
  static constexpr size_t kMaxNamespaces = 4096;

  // The clock must outlive the cache. REQUIRES: options.shards >= 1.
  HotCache(const HotCacheOptions& options, const Clock& clock);
  ~HotCache();
  HotCache(const HotCache&) = delete;
  HotCache& operator=(const HotCache&) = delete;

  // The live entry, sharing the cache's bytes (see Layout); nullopt on a miss. An expired entry
  // (per the clock) or one of a cleared namespace is erased and counts as a miss. Moves the
  // entry to the most recent end (see Recency).
  std::optional<SharedEntry> LookupShared(std::string_view ns, std::string_view key);
  // The same as a copy.
  std::optional<Entry> Lookup(std::string_view ns, std::string_view key);
  // LookupShared of every key of ns, into out[i] (nullopt: a miss), counted and moved as one
  // LookupShared each. Faster for many keys: each shard's lock is taken once, and the memory
  // reads of the keys of a shard overlap (prefetched) instead of waiting one after another.
  // REQUIRES: out has keys.size() elements.
  void LookupSharedMany(std::string_view ns, std::span<const std::string_view> keys,
                        std::span<std::optional<SharedEntry>> out);

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

  // Brackets a store write of several keys in one batch (TieredStore::MultiPut, one namespace;
  // TieredStore::WriteAtomically, any): BeginKeyWrites is BeginKeyWrite of each key, in order,
  // and notes which keys were cached (live) as they began, and the entry of each cached key
  // that no other write was changing then (known, as BeginOwnKeyWrite's). KnownAlone says
  // whether such an entry still is what the store holds. EndKeyWrites ends them and caches the
  // batch's last entry of each key (written[i]; null: none, e.g. a delete or a failed write)
  // as most recent, as EndOwnKeyWrite does for one key, when no write but the batch's own began
  // or ended on its stripe or namespace since the batch's last begin on that stripe, and none is
  // still running: the store then holds exactly it. With only_cached, only the keys that were
  // cached are (a batch keeps RAM exact without bringing new keys in). REQUIRES: the same keys.
  struct KeyRef {
    std::string_view ns;
    std::string_view key;
  };
  struct BatchTicket {
    struct Stripe {
      uint32_t shard = 0;  // index of the shard
      uint32_t stripe = 0;
      uint64_t note = 0;  // the stripe's seq after the batch's last begin there
      uint32_t began = 0;
    };
    struct Key {
      FillTicket ns;  // the namespace's counters as the key began (stripe_seq: after its begin)
      uint64_t hash = 0;
      uint32_t stripe = 0;  // index into stripes
      bool cached = false;  // a live entry of the key was in RAM as it began
      // That entry, when no other caller's write of its stripe or namespace was in flight from
      // its begin to the stripe's note: what the store held then.
      std::optional<EntryInfo> known;
    };
    bool any_cached = false;
    std::vector<Stripe> stripes;
    std::vector<Key> keys;
  };
  BatchTicket BeginKeyWrites(std::span<const KeyRef> keys);
  // Under the store's lock of keys[i]: whether ticket.keys[i].known is still what the store
  // holds (no other write of its stripe or namespace began or ended since the note).
  bool KnownAlone(const BatchTicket& ticket, size_t i);
  // An entry as a batch wrote it (views into the caller's bytes).
  struct Written {
    std::string_view value;
    std::string_view content_type;
    EntryInfo info;
  };
  void EndKeyWrites(const BatchTicket& ticket, std::span<const KeyRef> keys,
                    std::span<const Written* const> written, bool only_cached);

  // A key write that its caller makes through this cache with the store's key lock around the
  // store write (TieredStore::Put): what the cache knew of the key as it began, and the counters
  // that tell at its end whether it was alone.
  struct OwnWrite {
    FillTicket ticket;  // the namespace's and stripe's counters just after the write began
    // The key's live entry as the write began, when no other write of its stripe or namespace
    // was running then: what the store held at that moment (see the consistency argument in
    // tiered_store.h).
    std::optional<EntryInfo> known;
  };
  // BeginKeyWrite that also says what was cached.
  OwnWrite BeginOwnKeyWrite(std::string_view ns, std::string_view key);
  // Whether no other write of the key's stripe or namespace began or ended since w began. Asked
  // under the store's key lock, true means w.known still is what the store holds.
  bool Alone(const OwnWrite& w, std::string_view ns, std::string_view key);
  // EndKeyWrite that first caches written (the entry the store write stored; null: none, e.g. it
  // failed) as most recent, when no other write of the stripe or namespace began or ended since
  // w began: the store then holds exactly it. Refused as Insert refuses (too large, expired,
  // cannot fit).
  void EndOwnKeyWrite(const OwnWrite& w, std::string_view ns, std::string_view key,
                      const Entry* written);

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

  // What an entry is charged against the budget (see Memory).
  static uint64_t Charge(std::string_view ns, std::string_view key, const Entry& entry);

 private:
  struct Node;
  struct Shard;
  // Where a (namespace, key) lives: its hash, shard and fill/write stripe.
  struct Slot {
    uint64_t hash;
    Shard* shard;
    size_t stripe;
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Slot SlotOf(std::string_view ns, std::string_view key) const;
  // LookupShared's work under the shard's lock.
  std::optional<SharedEntry> LookupLocked(const Slot& slot, std::string_view ns,
                                          std::string_view key, int64_t now_ms);
  NsRecord* FindNamespace(std::string_view ns, bool create);
  void EraseNodeLocked(Shard& shard, Node* node);
  // Under the shard's lock: whether no write of the ticket's stripe or namespace began or ended
  // since it was taken, and none is running but the caller's own (own_writes of them). A fill's
  // test (0) and an own write's (1).
  static bool UnchangedLocked(const Shard& shard, const Slot& slot, const FillTicket& ticket,
                              uint32_t own_writes);
  // The node an accepted fill inserts (built before the lock: the copy of the bytes is the bulk
  // of an insert); null when the entry is refused anyway (too large, expired, over a shard).
  Node* MakeFill(const FillTicket& ticket, const Slot& slot, std::string_view ns,
                 std::string_view key, const Entry& entry, int64_t now_ms);
  Node* MakeFill(const FillTicket& ticket, const Slot& slot, std::string_view ns,
                 std::string_view key, std::string_view value, std::string_view content_type,
                 const EntryInfo& info, int64_t now_ms);
  // Links node as most recent in place of any entry of its key, evicting what it needs.
  void LinkFillLocked(Shard& shard, Node* node);
  void EvictLocked(Shard& shard, uint64_t needed);

  const HotCacheOptions options_;
  const Clock& clock_;
  const uint64_t seed_;  // of the key hash, random per cache (no chain can be flooded on purpose)
  std::vector<std::unique_ptr<Shard>> shards_;

  std::mutex ns_mu_;
  // guarded by ns_mu_
  std::unordered_map<std::string, std::unique_ptr<NsRecord>, NameHash, std::equal_to<>> namespaces_;
};

}  // namespace apicached
