// LeaseTable: who may fill or refresh a key, in RAM, for every front (docs/leases.md).
//
// A lease belongs to one version of one key: version 0 means "no entry" (a miss lease), any
// other version the entry being refreshed (a stale or early-refresh lease, or memcached's
// "win" on an item). It has a token, the proof the holder shows when it stores, and an end
// (expires_ms; 0: until the key's version changes, memcached's rule). A lease ends when the
// holder stores, when the key gets a new version some other way (checked by version at each
// use), or when its time is up; the next reader then gets a new one, and the old token is
// refused from then on.
//
// The table also keeps memcached's "stale" mark (md I / ms I: mg answers X) per version, and
// the waiters of request coalescing: callbacks a reader registers while another client holds
// the lease, called once when the key is written (Wake) or the waiter is cancelled (no call
// then). A callback runs on the thread that calls Wake, outside the table's lock; it must be
// short and must not call back into the table (a front posts to its own I/O thread).
//
// Bounds: at most max_keys keys have a slot; past that the oldest slot is dropped as if its
// lease had run out, and its waiters are woken (they look again). Leases live in RAM only on
// purpose: a restart forgets them, so after one the first reader of a missing key gets a new
// lease (at most one extra origin call per key in flight at the restart).
//
// Thread safety: every method may be called from any thread at once. Time is passed in
// (now_ms) so that the table is tested with an injected clock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace apicached::cache {

struct LeaseTableOptions {
  size_t max_keys = 65536;  // keys holding a lease, a mark or waiters; the oldest go first
  size_t shards = 16;       // independent locks; keys spread by hash
};

class LeaseTable {
 public:
  explicit LeaseTable(LeaseTableOptions options = {});
  ~LeaseTable();
  LeaseTable(const LeaseTable&) = delete;
  LeaseTable& operator=(const LeaseTable&) = delete;

  struct Acquired {
    bool granted = false;           // true: this caller holds the lease now
    uint64_t token = 0;             // granted: the token to store with
    int64_t expires_ms = 0;         // the lease's end (the holder's when not granted); 0: no end
    bool replaced_expired = false;  // granted over a lease whose time had run out
  };

  // Takes the lease on ns/key at `version` unless a live one exists (same version, time not
  // up). lease_ms > 0: it ends at now_ms + lease_ms; 0: it ends with the version. token 0 asks
  // for a fresh random token; memcached passes the version (its clients store with cas).
  Acquired Acquire(std::string_view ns, std::string_view key, uint64_t version, int64_t now_ms,
                   int64_t lease_ms, uint64_t token = 0);

  // The live lease of ns/key at `version`, if any (granted false when none).
  Acquired Holder(std::string_view ns, std::string_view key, uint64_t version,
                  int64_t now_ms) const;

  // True when token is the lease of ns/key at `version` and no newer lease replaced it (its time
  // may be up: a late holder still stores while nobody else took over).
  bool Valid(std::string_view ns, std::string_view key, uint64_t token, uint64_t version) const;

  // Ends the lease of ns/key (whatever its token) and wakes its waiters: the key was written.
  void Wake(std::string_view ns, std::string_view key);

  // memcached's stale mark (md I, ms I): set for `version`, read back for it only. won: a client
  // already won the right to refill this version (memcached keeps that mark over ms I), so the
  // lease is held (token = version, no end).
  void MarkStale(std::string_view ns, std::string_view key, uint64_t version, bool won);
  bool IsStale(std::string_view ns, std::string_view key, uint64_t version) const;

  using Waiter = std::function<void()>;
  // Atomically: when a live lease at `version` is held by someone, registers fn to be called at
  // the next Wake of ns/key and returns its id (> 0); else returns 0 and registers nothing.
  uint64_t WaitIfHeld(std::string_view ns, std::string_view key, uint64_t version, int64_t now_ms,
                      Waiter fn);
  // Unregisters a waiter; true when it was still registered (it will never be called).
  bool Cancel(std::string_view ns, std::string_view key, uint64_t wait_id);

  // Keys with a slot now (for tests).
  size_t size() const;
  // Waiters registered now (the lease-waiters gauge, tests).
  size_t waiting() const;

 private:
  struct Shard;
  Shard& ShardOf(std::string_view id) const;

  // No slot anywhere: every call answers at once without hashing or locking, so that writes
  // (each one Wakes its key) and memcached gets cost nothing while nobody uses leases. A slot is
  // counted before its lock is released and a writer checks after its store write, so a reader
  // that takes a lease either is seen here or reads the write (CacheService::GetWithLease).
  bool Empty() const { return slots_.load() == 0; }

  const LeaseTableOptions options_;
  std::unique_ptr<Shard[]> shards_;
  mutable std::atomic<int64_t> slots_{0};
};

}  // namespace apicached::cache
