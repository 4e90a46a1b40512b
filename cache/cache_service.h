// CacheService: the one protocol-neutral cache layer. Every front (http/ now, memcached/ and a
// Redis front next) speaks its wire format to this class and to nothing below it: it validates
// namespaces, applies the TTL rules (cache/expiry.h), carries the value metadata (content type,
// 32-bit client flags, version, created, expires), counts lookups and operations per protocol
// (cache/cache_observer.h, cache/op_counters.h) and calls the Store. A value written through
// one front reads back byte for byte, with its flags, through the others.
//
// Fronts own only what is theirs: parsing, the mapping of their keys to namespaces, converting
// their expiry forms to an Expiry, and mapping a Status to their own error words.
//
// Thread safety: every method may be called from any number of threads at once. Each
// single-key operation is atomic towards concurrent callers of the same key (the store's key
// lock), read-modify-writes included. The Store, the Clock and the observer must outlive the
// service.
//
// Namespaces: a namespace argument is a user namespace (1 to 64 characters of [a-z0-9_-]);
// internal names (starting with '.') and malformed ones are InvalidArgument on every method.
// Reads and deletes on a namespace that was never written behave as on an empty one.
//
// Errors every method may return besides the ones it lists: InvalidArgument (namespace, empty or
// oversized key, an Expiry past max_ttl_seconds, content type over 1024 bytes), TooLarge (value
// over StoreOptions::max_value_bytes), ResourceExhausted (a write would create a namespace past
// the cap), Unavailable (the store cannot read or write now), Internal (a bug or corruption).
// A refused call writes nothing.
//
// Statistics: the lookup calls (Get, MultiGet, GetAndTouch) report their hits and misses to the
// CacheObserver exactly once per call and namespace, with the caller's Protocol; every call
// adds to OpCounters (see op_counters.h for what counts where).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_observer.h"
#include "cache/expiry.h"
#include "cache/item.h"
#include "cache/key_watches.h"
#include "cache/lease_lookup.h"
#include "cache/lease_table.h"
#include "cache/op_counters.h"
#include "storage/clock.h"
#include "storage/status.h"
#include "storage/store.h"

namespace apicached::cache {

struct CacheServiceOptions {
  // Longest lifetime an Expiry may ask for (After, or AtUnix from now); longer is
  // InvalidArgument. 100 years: no realistic TTL is refused, a typo'd huge one is.
  int64_t max_ttl_seconds = 3'153'600'000;
  // Longest lease a reader may ask for (LeaseRead::lease_ms); longer is InvalidArgument. A
  // holder that dies blocks its key's fill for at most this long.
  int64_t max_lease_ms = 600'000;
  // Length of the refresh lease a stale or early-refresh reader gets when it named none.
  int64_t refresh_lease_ms = 30'000;
  LeaseTableOptions leases;  // bounds of the in-RAM lease table
};

// The metadata of a store Entry (what Mutate returns).
ItemMeta MetaOf(const Entry& entry);

// One key of a MultiGet.
struct KeyRef {
  std::string_view ns;
  std::string_view key;
};

enum class WriteMode : uint8_t {
  kSet,      // store whatever exists
  kAdd,      // only when no live entry exists; AlreadyExists otherwise
  kReplace,  // only when a live entry exists; NotFound otherwise
  kAppend,   // data after the live entry's value; NotFound when none (see vivify)
  kPrepend,  // data before the live entry's value; NotFound when none (see vivify)
};

// A write. data and content_type need only live for the call. (GCC 12 -Wextra warns on a
// designated initializer that leaves fields out: set the fields by name.)
struct WriteRequest {
  WriteMode mode = WriteMode::kSet;
  std::string_view data;
  // kSet, kAdd, kReplace: the new entry's content type (empty: none) and flags. kAppend and
  // kPrepend keep the entry's content type, flags and expiry and ignore these and `expiry`.
  std::string_view content_type;
  uint32_t flags = 0;
  Expiry expiry = Expiry::Default();
  // Stale-while-revalidate: after its TTL the entry stays this many seconds in a grace period,
  // served only to readers that accept stale data (LeaseRead::accept_stale) and a miss for the
  // others; then it is gone as any expired entry. 0: none. Ignored for entries that never
  // expire. At most max_ttl_seconds.
  uint32_t grace_seconds = 0;
  // Compare-and-set (memcached cas, meta C, HTTP If-Match): write only when the live entry is at
  // exactly this version. No live entry: NotFound; another version: PreconditionFailed.
  std::optional<uint64_t> expected_version;
  // kAppend/kPrepend on a missing key store data as a new entry with content_type, flags and
  // expiry instead of NotFound (memcached meta ms N).
  bool vivify = false;
  // Store only as the holder of this lease (LeaseLookup::token): PreconditionFailed when the
  // token is not the key's current lease for the entry as it is now (another client's token,
  // a lease superseded by a newer one, or the key written meanwhile). A lease whose time ran out
  // still stores as long as nobody took a new one. A successful write ends the lease.
  std::optional<uint64_t> lease_token;
  // memcached's ms I: a compare-and-set whose expected_version is older than the live entry's
  // stores anyway, marked stale (MetaLease().stale), keeping the entry's expiry and its win.
  bool invalidate_if_older = false;
  // Fill WriteResult::created for kSet (the store learns it under the key's lock, from the
  // memtable and block cache when they know, else with a read; the other modes know it anyway).
  bool report_created = false;
};

struct WriteResult {
  // The written entry's metadata. An Expired() write reports expires_ms equal to the time of the
  // write and leaves no entry.
  ItemMeta meta;
  // No live entry existed before. Always set except for kSet without report_created (false).
  bool created = false;
};

// One write of WriteAtomically: a put or a delete of one key.
struct AtomicWrite {
  bool remove = false;  // a delete; the fields below but ns and key are then ignored
  // remove: the caller's own earlier writes stored the key (a Redis transaction's SET, then
  // DEL): a watch of the key (WatchKey) sees the delete even when the key was absent before.
  bool stored_before = false;
  std::string ns;
  std::string key;
  std::string data;
  std::string content_type;
  uint32_t flags = 0;
  Expiry expiry = Expiry::Default();  // Expired(): the put deletes the key instead
  // Instead of expiry: an exact deadline in Unix ms (Redis PX/PXAT); at or before now leaves
  // nothing readable.
  std::optional<int64_t> expires_at_ms;
  // A condition for the whole batch (BatchWrite::expected_version): the version the caller
  // read (ItemMeta::version; 0: it found no live entry) must still be the key's, else the
  // batch fails with PreconditionFailed and writes nothing.
  std::optional<uint64_t> expected_version;
};

struct AtomicWriteResult {
  ItemMeta meta;  // a put's new entry; zero for a delete
  // A live entry was there just before this write, counting the batch's earlier writes (a
  // put replaced one, a delete deleted one).
  bool existed = false;
  // What existed was past its TTL, in its grace period: stale (a put over it creates, for HTTP).
  bool in_grace = false;
};

// memcached's incr/decr (and meta ma) on an unsigned 64-bit decimal value.
struct ArithRequest {
  uint64_t delta = 1;
  bool decrement = false;  // incr wraps at 2^64; decr stops at 0
  // Create a missing key holding `initial` (the delta is not applied) with this expiry and
  // flags 0, instead of NotFound (meta ma N<ttl> J<initial>).
  std::optional<Expiry> create_with;
  uint64_t initial = 0;
  std::optional<uint64_t> expected_version;  // meta ma C: PreconditionFailed on mismatch
  std::optional<Expiry> new_expiry;          // meta ma T: also set a new expiry; else kept
};

struct ArithResult {
  uint64_t value = 0;
  ItemMeta meta;
  bool created = false;  // create_with made the entry (no delta applied)
};

class CacheService : public WriteCommitter {
 public:
  // observer may be null (nobody is told). REQUIRES: store, clock and observer outlive this.
  CacheService(Store& store, const Clock& clock, CacheServiceOptions options = {},
               CacheObserver* observer = nullptr);
  ~CacheService() override;
  CacheService(const CacheService&) = delete;
  CacheService& operator=(const CacheService&) = delete;

  // Ok for a user namespace name; InvalidArgument with the reason otherwise (also for internal
  // '.' names, which no client may name). Every method below checks its namespace with it.
  static Status CheckNamespace(std::string_view ns);

  // Ok for a TTL of 0 (never) to max_ttl_seconds; InvalidArgument "ttl must be 0 (never
  // expires) to N seconds, got X" otherwise. The rule Expiry::After and MultiSet's ttl_seconds
  // are held to; a front whose wire form has no "expired" meaning (HTTP) checks with it too.
  Status CheckTtlSeconds(int64_t ttl) const;

  // Ok when a write of value_bytes to key in ns passes the store's size rules (namespace, key
  // of 1 to max_key_bytes, value up to max_value_bytes); the error the write would get
  // otherwise. For a caller that stages writes before it applies them (Redis MULTI/EXEC).
  Status CheckWrite(std::string_view ns, std::string_view key, size_t value_bytes) const;

  // Group commit (storage/write_deferral.h): makes the writes that callers made inside a
  // WriteDeferral durable (Store::CommitWrites). A front holds the replies of such writes until
  // this returned Ok, and answers each of them with an error when it did not.
  Status CommitWrites() override { return store_.CommitWrites(); }

  // --- Reads (count lookups) -----------------------------------------------------------------

  // The live entry, or NotFound.
  Result<Item> Get(Protocol protocol, std::string_view ns, std::string_view key);

  // As Get, counting no lookup: a read before a write (Redis's lookupKeyWrite), whose version
  // the caller may then pass as AtomicWrite::expected_version.
  Result<Item> Peek(std::string_view ns, std::string_view key);

  // One answer per key, in order: the live entry or nullopt. Keys may span namespaces (the
  // store is asked once per namespace) and repeat. Empty keys: an empty answer. A bad namespace
  // or key refuses the whole call.
  Result<std::vector<std::optional<Item>>> MultiGet(Protocol protocol,
                                                    std::span<const KeyRef> keys);

  // Get and MultiGet sharing the bytes of the store's RAM tier instead of copying them (the
  // memcached front's reads: the reply is composed straight from the tier's entry). Same
  // answers, errors and counting.
  Result<SharedItem> GetShared(Protocol protocol, std::string_view ns, std::string_view key);
  Result<std::vector<std::optional<SharedItem>>> MultiGetShared(Protocol protocol,
                                                                std::span<const KeyRef> keys);

  // The lease-aware read (cache/lease_lookup.h): a hit, a stale hit, a lease granted or held by
  // another reader. Counts one lookup (a hit for kHit and kStale) and the lease events.
  // InvalidArgument for lease_ms past max_lease_ms or negative.
  Result<LeaseLookup> GetWithLease(Protocol protocol, std::string_view ns, std::string_view key,
                                   const LeaseRead& read);
  // Unregisters a waiter of GetWithLease; true when it had not been called and never will be.
  bool CancelWait(std::string_view ns, std::string_view key, uint64_t wait_id);
  // Waiters of GetWithLease registered now (apicached_cache_lease_waiters, tests).
  size_t waiting() const { return leases_.waiting(); }

  // memcached meta's leases on one version of an entry (mg: W won, Z a win was sent, X stale).
  // want_win: this reader would win (the entry was just created by mg N, or its TTL is under
  // mg R's threshold). It wins when nobody won this version yet and it wants to or the version
  // is stale; a win lasts until the key's next write (memcached's rule) and counts as a lease
  // granted.
  struct MetaLease {
    bool won = false;
    bool win_sent = false;
    bool stale = false;
  };
  // Serialised per key with VivifyForMeta, so that a reader that saw the entry it created also
  // sees its win (answers Z, not a plain hit).
  MetaLease ClaimMetaLease(Protocol protocol, std::string_view ns, std::string_view key,
                           uint64_t version, bool want_win);
  // memcached mg N on a miss: adds the empty entry (no flags, `expiry`) and wins it, as one step
  // towards ClaimMetaLease (memcached marks the item it creates as won before anyone can see
  // it). The caller holds the win (the new version is the token). Errors as Add: AlreadyExists
  // when an entry appeared meanwhile (then nothing was won).
  Result<WriteResult> VivifyForMeta(Protocol protocol, std::string_view ns, std::string_view key,
                                    Expiry expiry);

  // memcached md I: rewrites the live entry as it is (a new version, with expiry when given,
  // else the current one) and marks it stale. NotFound, PreconditionFailed (expected_version).
  Status Invalidate(Protocol protocol, std::string_view ns, std::string_view key,
                    std::optional<uint64_t> expected_version, std::optional<Expiry> expiry);

  // The live entry with its new expiry applied (memcached gat/gats, meta mg T); NotFound when
  // none. Version, value and flags stay. With Expiry::Expired() the entry is returned and then
  // deleted. expires_ms_before, when given, receives the entry's expiry before the touch (0:
  // never; what meta mg's t shows when it comes before T).
  Result<Item> GetAndTouch(Protocol protocol, std::string_view ns, std::string_view key,
                           Expiry expiry, int64_t* expires_ms_before = nullptr);

  // --- Writes --------------------------------------------------------------------------------

  // Stores per request.mode and request.expected_version; errors as listed at WriteMode and
  // WriteRequest. The new version is unique (a fresh CAS unique) whatever the mode.
  // Note for memcached fronts: memcached also drops the old entry when a set is refused for
  // size; a front that wants that calls Delete after TooLarge.
  Result<WriteResult> Write(Protocol protocol, std::string_view ns, std::string_view key,
                            const WriteRequest& request);

  // Shorthands for Write.
  Result<WriteResult> Set(Protocol p, std::string_view ns, std::string_view key,
                          std::string_view data, uint32_t flags, Expiry expiry);
  Result<WriteResult> Add(Protocol p, std::string_view ns, std::string_view key,
                          std::string_view data, uint32_t flags, Expiry expiry);
  Result<WriteResult> Replace(Protocol p, std::string_view ns, std::string_view key,
                              std::string_view data, uint32_t flags, Expiry expiry);
  Result<WriteResult> Append(Protocol p, std::string_view ns, std::string_view key,
                             std::string_view data);
  Result<WriteResult> Prepend(Protocol p, std::string_view ns, std::string_view key,
                              std::string_view data);
  Result<WriteResult> CompareAndSet(Protocol p, std::string_view ns, std::string_view key,
                                    uint64_t expected_version, std::string_view data,
                                    uint32_t flags, Expiry expiry);

  // Ok when a live entry existed and was deleted; NotFound when there was none. With
  // expected_version (meta md C): PreconditionFailed when the live entry has another version.
  Status Delete(Protocol protocol, std::string_view ns, std::string_view key,
                std::optional<uint64_t> expected_version = std::nullopt);

  // memcached incr/decr: the live entry's value must be an unsigned decimal as memcached reads
  // it (optional leading blanks, digits, then the end or a blank; at most 2^64-1). Incr wraps
  // at 2^64, decr stops at 0. The new value replaces the old one keeping its flags, content
  // type and expiry (unless new_expiry); a shorter number is padded with spaces to the old
  // length, as memcached does in place ("100" decr 1 reads back "99 "). Errors: NotFound (no
  // live entry and no create_with), Conflict (the value is not such a number; nothing written),
  // PreconditionFailed (expected_version mismatch).
  Result<ArithResult> Arith(Protocol protocol, std::string_view ns, std::string_view key,
                            const ArithRequest& request);

  // The HTTP counter: adds a signed delta to a signed 64-bit decimal value; a missing key is
  // created as delta with expiry on_create. Conflict on a non-integer value or on overflow.
  Result<int64_t> IncrSigned(Protocol protocol, std::string_view ns, std::string_view key,
                             int64_t delta, Expiry on_create);

  // Gives a live entry a new expiry (value, flags and version stay); NotFound when none. With
  // Expiry::Expired() the entry is deleted and its last metadata returned.
  Result<ItemMeta> Touch(Protocol protocol, std::string_view ns, std::string_view key,
                         Expiry expiry);

  // Generic atomic read-modify-write of one key (the Store's Mutate, with namespace checks and
  // counting as a cmd_set). For what the operations above do not cover. fn sees nullptr for a
  // key without a live entry. A watch of the key (WatchKey) sees every Put and Delete fn
  // returns, a Delete of an absent key included, and a Touch of a live entry: fn returns
  // Keep for what changes nothing.
  Result<std::optional<Entry>> Mutate(Protocol protocol, std::string_view ns, std::string_view key,
                                      const MutateFn& fn);

  // --- Batches and namespaces ----------------------------------------------------------------

  // All items or none, one atomic batch (HTTP _mset). Item TTLs are the store's form (nullopt:
  // namespace default, 0: never) and held to CheckTtlSeconds; an item's expires_at_ms is taken
  // as it is (the caller checked it). One ItemMeta per item, in order.
  Result<std::vector<ItemMeta>> MultiSet(Protocol protocol, std::string_view ns,
                                         const std::vector<PutItem>& items);
  // Several puts and deletes, possibly over several namespaces, applied as ONE RocksDB
  // WriteBatch: all of them or none, also across a crash (one WAL record), and no reader sees
  // some without the others (every key is locked for the batch; the RAM tier drops them before
  // the write). Keys may repeat: the last write wins. For Redis MULTI/EXEC and the like. One
  // result per write, in order; counts a cmd_set per put and a delete hit or miss per delete.
  // Errors: the common ones and PreconditionFailed (AtomicWrite::expected_version), naming
  // the write ("write 2: ..."); nothing is written then.
  Result<std::vector<AtomicWriteResult>> WriteAtomically(Protocol protocol,
                                                         const std::vector<AtomicWrite>& writes);

  // Number of keys that had a live entry and were deleted.
  Result<uint64_t> DeleteMany(Protocol protocol, std::string_view ns,
                              const std::vector<std::string>& keys);
  // Deletes every key starting with prefix; InvalidArgument when prefix is empty.
  Result<uint64_t> DeletePrefix(Protocol protocol, std::string_view ns, std::string_view prefix);
  // Removes every entry of the namespace (memcached flush_all on the namespaces a listener maps
  // to); constant time.
  Status Clear(Protocol protocol, std::string_view ns);
  // Removes the namespace altogether (Store::DropNamespace): entries, files, its max-namespaces
  // slot. true when it existed, false when there was none.
  Result<bool> Drop(Protocol protocol, std::string_view ns);

  // Live entries of ns in key order whose key starts with prefix (empty: all), after
  // start_after (exclusive; nullopt: from the first), at most limit (>= 1, else
  // InvalidArgument). A seek to the prefix, never a read of the whole namespace (Redis SCAN and
  // KEYS with a MATCH prefix). Counts nothing.
  Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                        std::optional<std::string> start_after, size_t limit);

  Result<std::vector<NamespaceFigures>> ListNamespaces();
  // NotFound if the namespace was never written.
  Result<NamespaceFigures> GetNamespace(std::string_view ns);
  // Whether a write into ns would run now without waiting for the store
  // (Store::WritesWithoutWaiting: ns exists and no throttle holds writes back); false for a name
  // that is not a user namespace. A hint for choosing a thread; stale at once.
  bool WritesWithoutWaiting(std::string_view ns) {
    return CheckNamespace(ns).ok() && store_.WritesWithoutWaiting(ns);
  }

  // Watches ns/key for Redis's WATCH (cache/key_watches.h): the Watch's changed() turns true
  // after any later call here that stores the key or changes its expiry, from any front, and
  // after a Mutate or WriteAtomically that deletes it. Call it before reading the key's state.
  KeyWatches::Watch WatchKey(std::string_view ns, std::string_view key) {
    return watches_.Start(ns, key);
  }

  // This protocol's totals since start.
  OpCounters Counters(Protocol protocol) const;

  const Clock& clock() const { return clock_; }
  const CacheServiceOptions& options() const { return options_; }

 private:
  struct AtomicCounters;
  struct StoreTtl;

  Result<StoreTtl> Resolve(Expiry expiry) const;
  AtomicCounters& counters(Protocol p) const;
  void CountLookup(Protocol p, std::string_view ns, uint64_t hits, uint64_t misses);
  // The live entry of a store read as ItemT (Item or SharedItem), or NotFound (also for an
  // entry past its TTL, in its grace period).
  template <typename ItemT, typename Read>
  Result<ItemT> LiveItem(Result<Read> read) const;
  // MultiGet's body for either form.
  template <typename ItemT, typename FetchFn>
  Result<std::vector<std::optional<ItemT>>> MultiGetAs(Protocol p, std::span<const KeyRef> keys,
                                                       FetchFn fetch);
  void CountTouch(Protocol p, bool hit);
  // memcached's do_add_delta rewrites a counter in place when its new digits fit, and the item
  // keeps its stale mark and its sent win: Arith reads them for the old version and restores
  // them for the new one.
  struct MetaMarks {
    bool stale = false;
    bool win_sent = false;
  };
  MetaMarks ReadMetaMarks(std::string_view ns, std::string_view key, uint64_t version);
  void RestoreMetaMarks(std::string_view ns, std::string_view key, uint64_t version,
                        const MetaMarks& marks);
  // The live entry after a touch with ttl (before its deletion for an expired ttl); nullopt
  // when there was none. expires_ms_before as GetAndTouch's.
  Result<std::optional<Entry>> TouchEntry(std::string_view ns, std::string_view key,
                                          const StoreTtl& ttl,
                                          int64_t* expires_ms_before = nullptr);

  void CountLease(Protocol p, std::string_view ns, LeaseEvent e);
  // Copies a granted lease into out and counts it.
  void GrantInto(Protocol p, std::string_view ns, const LeaseTable::Acquired& got,
                 LeaseLookup& out);
  // Ends the lease of a key just written and wakes its waiters.
  void Written(std::string_view ns, std::string_view key) { leases_.Wake(ns, key); }
  // A write stored ns/key, changed its expiry or deleted it: its watchers learn it.
  void Changed(std::string_view ns, std::string_view key) { watches_.Changed(ns, key); }

  Store& store_;
  const Clock& clock_;
  const CacheServiceOptions options_;
  CacheObserver* const observer_;
  LeaseTable leases_;
  KeyWatches watches_;
  // Striped by key: VivifyForMeta's add-then-win against ClaimMetaLease.
  std::mutex& MetaMutex(std::string_view ns, std::string_view key) const;
  mutable std::array<std::mutex, 64> meta_mu_;
  std::unique_ptr<AtomicCounters[]> counters_;  // kCounterStripes per Protocol (cache_service.cpp)
};

}  // namespace apicached::cache
