// StagedWrites: the writes of one Redis MULTI/EXEC transaction, held back while its commands
// run and applied at its end as ONE atomic batch (CacheService::WriteAtomically): all of them
// or none, also across a crash or a store error in the middle.
//
// Each queued command runs on an overlay: a key the transaction wrote reads back as it wrote
// it (SET a 1; INCR a; GET a answers 2), a key it did not write reads from the cache. Replies
// are computed as the commands run; they stand only if Commit succeeds.
//
// Other protocols: HTTP and memcached writers do not take the Redis executor's lock, so they
// may write a key between the transaction's read of it and the batch. Once the transaction has
// read any key, every key it writes carries the version it had when the transaction first saw
// it (AtomicWrite::expected_version; keys written blind before the first read are looked up at
// that read), and the batch fails with PreconditionFailed when one of them moved: the caller
// runs the transaction again. A transaction that reads nothing (SET a; SET b) carries no
// condition and reads nothing before it writes: its last-writer-wins is a plain write's.
// docs/redis.md has the argument.
//
// Thread safety: belongs to one transaction on one thread (the executor's exclusive lock).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cache/cache_service.h"

namespace apicached::redis {

class StagedWrites {
 public:
  // REQUIRES: cache outlives this.
  explicit StagedWrites(cache::CacheService& cache);

  // The key as the transaction left it: nullptr when it has not been staged (read the cache
  // and tell Observed); else its live entry, nullopt when deleted or expired.
  const std::optional<Entry>* Find(std::string_view ns, std::string_view key);

  // The transaction read key from the cache and found item (nullptr: no live entry); later
  // writes of the key are conditioned on its version. Errors: a read the condition needs
  // (Peek of keys written blind so far) failed.
  Status Observed(std::string_view ns, std::string_view key, const cache::Item* item);

  // Stages fn's mutation of the key's entry as the transaction sees it, as Store::Mutate
  // applies one (a kPut or kTouch must name its expiry: ttl_seconds 0, expires_at_ms or
  // keep_expiry). Returns the entry after it (nullopt: none). Errors: fn's, a read's, or the
  // size rules a write would break (CacheService::CheckWrite); nothing is staged then.
  Result<std::optional<Entry>> Mutate(std::string_view ns, std::string_view key,
                                      const MutateFn& fn);

  // Stages a put of value without reading the key (SET, MSET): no expiry when expires_ms is 0.
  Status Put(std::string_view ns, std::string_view key, std::string value, int64_t expires_ms);

  // Applies every staged write as one batch and forgets them. Errors: WriteAtomically's
  // (PreconditionFailed: a conditioned key moved; run the transaction again); nothing is
  // written then.
  Status Commit();

 private:
  struct Slot {
    std::optional<Entry> entry;    // the key as the transaction sees it
    std::optional<uint64_t> base;  // its version before the transaction wrote it (0: none)
    bool written = false;
    // A write of the transaction stored the key (a value, a deadline, or a value that expired
    // at once): a WATCH of it sees the commit even when the key was absent before and ends up
    // absent (cache::AtomicWrite::stored_before).
    bool stored = false;
  };
  // (namespace, key) order, looked up by string_view pairs too.
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      using View = std::pair<std::string_view, std::string_view>;
      return View(a.first, a.second) < View(b.first, b.second);
    }
  };
  using Slots = std::map<std::pair<std::string, std::string>, Slot, KeyLess>;

  Slots::iterator Lookup(std::string_view ns, std::string_view key);
  // The slot of a key about to be written, created (with its base read, once the transaction
  // has read) when new.
  Result<Slots::iterator> SlotForWrite(std::string_view ns, std::string_view key, bool read_it);
  // The first read of the transaction: looks up the base of every key written blind so far.
  Status StartReading();
  Status ReadBase(const std::pair<std::string, std::string>& key, Slot& slot);

  cache::CacheService& cache_;
  Slots slots_;
  bool reading_ = false;  // the transaction has read a key from the cache
};

}  // namespace apicached::redis
