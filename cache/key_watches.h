// KeyWatches: the keys Redis connections WATCH, and whether a write changed one since.
//
// Redis fails EXEC after any write that changed a watched key, even one undone before EXEC: a
// key absent at WATCH, then set and deleted again, is absent at EXEC as it was, and Redis
// answers EXEC with a null array all the same. Comparing the key's state at WATCH and at EXEC
// cannot see that; this table can. The cache layer reports every write that stored an entry
// or changed a live one's expiry, whichever front it came through (Changed), and the deletes
// of the calls that know they deleted (Mutate, WriteAtomically). The other deletes (Delete,
// DeleteMany, a namespace cleared, eviction, expiry) need not be reported: a live key deleted
// has another state at EXEC, and a key absent at WATCH has to be stored before it can be
// deleted. So the watcher compares the state too (redis/transaction.cpp).
//
// Bounds: one slot per key watched by at least one connection, freed with the last Watch of
// it. Redis bounds watched keys by the connections' own limits (argument count, connection
// cap); so does apicached.
//
// Thread safety: every method may be called from any thread at once. A Watch belongs to one
// connection; its changed() may run on any thread while writers call Changed.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/key_hash.h"

namespace apicached::cache {

class KeyWatches {
 private:
  struct Slot {
    size_t watchers = 0;               // Watch objects on this key; the slot goes at 0
    std::atomic<uint64_t> changes{0};  // writes that changed the key while it was watched
  };
  struct Shard;

 public:
  KeyWatches() = default;
  KeyWatches(const KeyWatches&) = delete;
  KeyWatches& operator=(const KeyWatches&) = delete;

  // One connection's watch of one key, from Start until it is destroyed (or moved from). A copy
  // is a second holder of the same watch (same start): the key stays watched while either is.
  class Watch {
   public:
    Watch() = default;
    Watch(const Watch& other);
    Watch& operator=(const Watch& other);
    Watch(Watch&& other) noexcept;
    Watch& operator=(Watch&& other) noexcept;
    ~Watch();

    // A write changed the key since Start. false for a default-constructed Watch.
    bool changed() const;

   private:
    friend class KeyWatches;
    Watch(KeyWatches* table, Shard* shard, std::string id, Slot* slot, uint64_t start)
        : table_(table), shard_(shard), id_(std::move(id)), slot_(slot), start_(start) {}
    void Release();

    KeyWatches* table_ = nullptr;
    Shard* shard_ = nullptr;
    std::string id_;
    Slot* slot_ = nullptr;  // stable: unordered_map nodes stay put until erased
    uint64_t start_ = 0;
  };

  // Starts watching ns/key. The caller reads the key's state after this returns: a write that
  // finishes after that read is reported to the Watch.
  Watch Start(std::string_view ns, std::string_view key);

  // A write changed ns/key (stored it, changed its expiry, or deleted it). A fence and one
  // atomic load when no key is watched. Call after the write is in the store.
  void Changed(std::string_view ns, std::string_view key);

  // Keys with at least one Watch.
  size_t watched_keys() const { return slots_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    // Keys are client input: hashed with the process's random key, so none can be chosen to
    // collide (as LeaseTable's).
    std::unordered_map<std::string, Slot, KeyHasher, std::equal_to<>> slots;
  };

  Shard& ShardOf(std::string_view id);

  std::array<Shard, kShards> shards_;
  // Keys watched. Start increments it before the watcher reads the key's state; a writer loads
  // it after its write and a sequentially consistent fence: a writer that sees 0 wrote before
  // that read, which then sees the write.
  std::atomic<size_t> slots_{0};
};

}  // namespace apicached::cache
