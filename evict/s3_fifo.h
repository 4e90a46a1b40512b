// S3Fifo: which entry of one namespace to evict next, by bytes, keeping what is read.
//
// The policy is S3-FIFO (Yang et al., SOSP 2023): a small FIFO queue that every new key enters,
// a main FIFO queue, and a ghost list of keys recently evicted from the small queue.
//  - A write of a new key puts it at the tail of the small queue, or of the main queue when the
//    ghost list remembers it (it came back soon after being evicted: it is worth keeping).
//  - A read sets the key's frequency (at most max_frequency); nothing moves, so a read costs
//    one hash lookup and no queue work (an LSM cannot afford a reordering write per read, and
//    this index is all in RAM anyway).
//  - Eviction takes from the small queue while it holds more than small_fraction of the bytes:
//    its head is evicted (and remembered in the ghost list) unless it was read at least
//    promote_reads times since it was written, in which case it moves to the main queue. From
//    the main queue, a head that was read gets a second chance (frequency - 1, back to the
//    tail); one that was not is evicted.
// Keys read once and never again (a scan, a burst of fill-on-miss writes) leave through the
// small queue without ever displacing the main queue: that is the scan resistance exact LRU
// lacks. docs/storage.md ("Eviction") has the reasons and the measured hit ratios.
//
// Each key carries the version the store gave its last write, so that an eviction deletes only
// that version (see EvictingStore), and its expiry, so that expired entries go first.
//
// Thread safety: every method may be called concurrently. The index is under one mutex, which the
// eviction holds for a whole batch (EvictDownTo). Write and Read never wait for it: when it is
// held they queue their change in a short-held buffer (at most max_deferred changes), and the
// next holder applies the queue, in order, before anything else, so every method sees every
// change made before it was called. Past the bound a Write waits for the mutex and a Read is
// dropped (one lost frequency count). bytes() reads a copy each change publishes (without
// queued changes not yet applied): the checks every write and eviction step make take no lock.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/key_hash.h"

namespace apicached {

struct S3FifoOptions {
  double small_fraction = 0.1;  // share of the bytes the small queue may hold before evicting
  uint8_t max_frequency = 3;    // reads counted per key (each is one second chance in main)
  uint8_t promote_reads = 1;    // reads that move a key from the small to the main queue
  size_t max_deferred = 4096;   // writes and reads queued while the mutex is held elsewhere
};

// An entry the policy chose; it is no longer in the index.
struct Victim {
  std::string key;
  uint64_t version = 0;
  uint64_t bytes = 0;
  int64_t expires_ms = 0;
};

class S3Fifo {
 public:
  explicit S3Fifo(S3FifoOptions options = {}) : options_(options) {}
  S3Fifo(const S3Fifo&) = delete;
  S3Fifo& operator=(const S3Fifo&) = delete;

  // Records a write: a new key enters as described above; a known one keeps its place and
  // frequency and takes the new version, size and expiry (0: never expires).
  void Write(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms);
  // Records a write found by a scan of the store (a restart): like Write, but a key already
  // known is left as it is (a write recorded meanwhile is newer than what the scan read).
  void Load(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms);
  // Records a read of key (nothing when the key is unknown).
  void Read(std::string_view key);
  // A new expiry for a known key (a touch: same version and size).
  void SetExpiry(std::string_view key, int64_t expires_ms);
  // Whether each victim's key is in the index again (written since it was chosen), under one
  // hold of the mutex.
  std::vector<bool> ContainsEach(const std::vector<Victim>& victims);
  // Forgets key; true when it was known.
  bool Erase(std::string_view key);
  // Forgets every key starting with prefix (empty: all keys); returns how many.
  size_t ErasePrefix(std::string_view prefix);

  // The next victim (removed from the index), or nullopt when the index is empty.
  std::optional<Victim> Evict();
  // Victims in the order Evict() would give them, while bytes() is over target_bytes, at most
  // max_victims of them, under one hold of the mutex (not one per victim: a writer or reader
  // that meets the held mutex blocks, and the eviction's steps came between every request).
  std::vector<Victim> EvictDownTo(uint64_t target_bytes, size_t max_victims);
  // Removes and returns every entry expired at now_ms. It walks the index only when an entry
  // can have expired (the earliest expiry written since the last walk has passed): with no
  // expiries it costs nothing, and the index's lock is not held over every entry on each check.
  std::vector<Victim> TakeExpired(int64_t now_ms);
  // Walks of the whole index TakeExpired has made (for tests).
  uint64_t expiry_walks();

  // The bytes of every indexed entry, as the last change left them (no lock).
  uint64_t bytes() const { return published_bytes_.load(std::memory_order_acquire); }
  size_t entries();

  // Holds the index's mutex until the lock is dropped, as a batch choice does (for tests of the
  // deferred changes; the calling thread must not call the index meanwhile).
  std::unique_lock<std::mutex> HoldForTest() { return std::unique_lock(mu_); }

 private:
  struct Node {
    uint64_t version = 0;
    uint64_t bytes = 0;
    int64_t expires_ms = 0;
    uint64_t seq = 0;  // of its element in small_ or main_; older elements of the key are stale
    uint8_t frequency = 0;
    bool in_main = false;
  };
  // Keyed (storage/key_hash.h): the index holds every key of the namespace, so keys chosen to
  // collide under std::hash would make each lookup walk all of them.
  using Hash = KeyHasher;
  using Map = std::unordered_map<std::string, Node, Hash, std::equal_to<>>;
  struct Element {
    std::string key;
    uint64_t seq = 0;
  };
  // A Write (or, with is_read, a Read) made while the mutex was held elsewhere.
  struct Deferred {
    std::string key;
    uint64_t version = 0;
    uint64_t bytes = 0;
    int64_t expires_ms = 0;
    bool is_read = false;
  };

  // Takes the mutex and applies the queued changes: how every method but Write and Read starts.
  std::unique_lock<std::mutex> LockApplied();
  // Queues d unless max_deferred changes wait already; true when queued.
  bool Defer(Deferred d);
  void ApplyDeferred();  // REQUIRES: mu_ held
  void WriteLocked(std::string_view key, uint64_t version, uint64_t bytes,
                   int64_t expires_ms);   // REQUIRES: mu_ held
  void ReadLocked(std::string_view key);  // REQUIRES: mu_ held

  void Insert(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms);
  void NoteExpiry(int64_t expires_ms) {  // REQUIRES: mu_ held
    if (expires_ms != 0) earliest_expiry_ = std::min(earliest_expiry_, expires_ms);
  }
  void Remove(Map::iterator it);        // REQUIRES: mu_ held
  std::optional<Victim> EvictLocked();  // REQUIRES: mu_ held
  void PublishBytes() {  // REQUIRES: mu_ held; after every change of small_bytes_ or main_bytes_
    published_bytes_.store(small_bytes_ + main_bytes_, std::memory_order_release);
  }
  void RememberGhost(std::string_view key);
  void CompactQueues();  // drops stale elements once they outnumber the live ones

  const S3FifoOptions options_;
  std::mutex mu_;
  std::mutex deferred_mu_;  // held only to append to or swap deferred_
  std::vector<Deferred> deferred_;
  std::vector<Deferred> applying_;         // deferred_'s last contents, kept for the capacity
  std::atomic<size_t> deferred_count_{0};  // deferred_.size(), read without deferred_mu_
  Map nodes_;
  std::deque<Element> small_;
  std::deque<Element> main_;
  uint64_t small_bytes_ = 0;
  uint64_t main_bytes_ = 0;
  std::atomic<uint64_t> published_bytes_{0};  // small_bytes_ + main_bytes_, for bytes()
  uint64_t next_seq_ = 0;
  size_t stale_ = 0;  // elements in small_ and main_ that no longer match their node
  // No node expires before this (a lower bound: a node erased or rewritten since leaves it).
  int64_t earliest_expiry_ = std::numeric_limits<int64_t>::max();
  uint64_t expiry_walks_ = 0;
  std::unordered_set<uint64_t> ghost_;  // hashes of keys evicted from small_
  std::deque<uint64_t> ghost_order_;    // the same, oldest first; at most nodes_.size() of them
};

}  // namespace apicached
