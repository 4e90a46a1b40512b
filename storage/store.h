// apicached's store: entries grouped in namespaces, each entry with its own expiry.
//
// This header is the contract between storage/ and the fronts. No RocksDB type appears here;
// other folders include only this file (plus status.h, clock.h, store_options.h, write_deferral.h:
// group commit, and store_admin.h, the administration: maintenance, checkpoints, health, TTL
// defaults).
//
// Thread safety: every method of Store may be called concurrently from any thread. Each
// single-key operation is atomic towards concurrent callers; MultiPut is one atomic batch.
//
// Time: expiry is decided with the injected Clock. An entry whose expires_ms is not 0 is live
// while now_ms < expires_ms and expired from now_ms >= expires_ms on; no read path ever returns
// an expired entry, whether or not compaction has removed it yet.
//
// Namespaces: user namespaces are 1 to 64 characters of [a-z0-9_-]. They are created by the
// first write, listed again after a reopen, and removed by DropNamespace. Reads and deletes on a
// namespace that does not exist behave as on an empty one (NotFound / false / 0) and do not create
// it. Names that start with '.' are internal (apicached's own statistics, invalid-ID lists, hot-set
// record): the store accepts them from code, ListNamespaces() hides them, they do not count towards
// max_namespaces, and http/ never lets a client name one.
//
// TTL arguments are std::optional<int64_t> seconds: nullopt means "the namespace's default,
// else StoreOptions::default_ttl_seconds"; 0 means "never expires"; negative is InvalidArgument.
//
// Errors common to all methods: InvalidArgument (bad namespace name, empty or oversized key, bad
// ttl, content type over 1024 bytes or not a media type: media_type.h; "" means none), TooLarge
// (value over max_value_bytes), ResourceExhausted (a write would create a namespace past
// max_namespaces), Unavailable (the database cannot read or write now: I/O error, disk full,
// read-only directory, background error; the message says which).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/clock.h"
#include "storage/shared_block.h"
#include "storage/status.h"
#include "storage/store_admin.h"
#include "storage/store_options.h"
#include "storage/write_deferral.h"

namespace apicached {

// Metadata of a stored entry. version is unique per write of a key, also across restarts, and
// is what http/ uses as the ETag.
struct EntryInfo {
  int64_t created_ms = 0;  // when this version was written
  int64_t expires_ms = 0;  // 0: never expires
  uint64_t version = 0;
  uint32_t flags = 0;  // memcached's client flags; stored and returned unchanged (0 by default)
  // Stale-while-revalidate (docs/leases.md): the last grace_seconds before expires_ms are the
  // entry's grace period. The store keeps and reads it until expires_ms like any entry; the
  // cache layer treats it as past its TTL (fresh until expires_ms - grace_seconds * 1000).
  uint32_t grace_seconds = 0;
};

struct Entry {
  std::string value;
  std::string content_type;  // as given at write time; may be empty
  EntryInfo info;
};

// An entry read without copying its bytes (Store::GetShared): value and content_type view
// memory that owner keeps alive (for a RAM-tier hit, the tier's own entry, valid as long as the
// owner even after the tier dropped it). Copies share the owner.
struct SharedEntry {
  std::string_view value;
  std::string_view content_type;
  EntryInfo info;
  BlockRef owner;

  // Moves entry into a block of its own (one allocation).
  static SharedEntry Own(Entry&& entry);
  // A copy of the bytes as a plain Entry.
  Entry ToEntry() const;
};

// What Put, Add and CompareAndSet wrote (the new version's metadata) and what it replaced.
struct WriteOutcome : EntryInfo {
  // The metadata of the live entry the write replaced; nullopt when there was none. Add's is
  // always nullopt and CompareAndSet's always set; Put fills it only when asked
  // (report_replaced), else it is nullopt whatever was there.
  std::optional<EntryInfo> replaced;
};

// One write of an atomic batch (Store::WriteAtomically).
struct BatchWrite {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string ns;
  std::string key;
  // kPut only:
  std::string value;
  std::string content_type;
  uint32_t flags = 0;
  std::optional<int64_t> ttl_seconds;  // as Put's
  // An absolute deadline (Unix ms) instead of ttl_seconds (Redis's exact deadlines); at or
  // before now leaves an expired entry, as Mutation::expires_at_ms.
  std::optional<int64_t> expires_at_ms;
  // kPut and kDelete: a condition on the key as it is just before the batch (a compare-and-set
  // over the whole batch, for Redis MULTI/EXEC's values computed from a read): its live
  // entry's version must be this one, 0 meaning no live entry (an entry past its TTL, in its
  // grace period, counts as none, as Incr treats it). Checked at the key's first write in the
  // batch. Otherwise PreconditionFailed ("write 3: ..."), and nothing of the batch is written.
  std::optional<uint64_t> expected_version;
};

// What one write of an atomic batch did.
struct BatchWriteResult {
  EntryInfo info;  // kPut: the new version's metadata; kDelete: zero
  // A live entry was there just before this write, counting the earlier writes of the batch:
  // kPut replaced one, kDelete deleted one.
  bool existed = false;
  // The entry that existed was past its TTL, in its grace period (stale-while-revalidate).
  bool in_grace = false;
};

struct PutItem {
  std::string key;
  std::string value;
  std::string content_type;
  std::optional<int64_t> ttl_seconds;
  uint32_t flags = 0;
  // An absolute deadline (Unix ms) instead of ttl_seconds (Redis's SET PX/EXAT/PXAT keep theirs
  // to the millisecond); at or before now leaves an expired entry, as BatchWrite's.
  std::optional<int64_t> expires_at_ms = std::nullopt;
};

// What a Mutate callback asks for.
struct Mutation {
  // kTouch: give the live entry a new expiry (ttl_seconds) keeping its value, content type,
  // flags and version, as Touch does; nothing happens when there is no live entry.
  enum class Kind { kKeep, kPut, kDelete, kTouch };
  Kind kind = Kind::kKeep;
  // For kPut:
  std::string value;
  std::string content_type;
  uint32_t flags = 0;
  std::optional<int64_t> ttl_seconds;  // ignored when keep_expiry and a live entry exists;
                                       // kTouch's new TTL
  // An absolute deadline (Unix ms) instead of ttl_seconds, for kPut (unless keep_expiry keeps
  // a live entry's) and kTouch: the Redis front's exact PX/PXAT/EXAT/PEXPIRE deadlines (the
  // grace period, if any, still follows it). A deadline at or before now leaves an expired
  // entry (unreadable, dropped by compaction).
  std::optional<int64_t> expires_at_ms = std::nullopt;
  bool keep_expiry = false;  // keep the current entry's expires_ms (and grace)
  // kPut: a grace period after the TTL (EntryInfo::grace_seconds): expires_ms is the TTL's end
  // plus this. Ignored for entries that never expire. kTouch keeps the entry's grace.
  uint32_t grace_seconds = 0;

  static Mutation Keep() { return {}; }
  static Mutation Delete() {
    Mutation m;
    m.kind = Kind::kDelete;
    return m;
  }
  static Mutation Touch(std::optional<int64_t> ttl_seconds) {
    Mutation m;
    m.kind = Kind::kTouch;
    m.ttl_seconds = ttl_seconds;
    return m;
  }
};

// Called with the live entry (nullptr when absent or expired). Must not call back into the Store.
// An error it returns is returned by Mutate unchanged and nothing is written. It may be called
// more than once (when its kPut has to create the namespace first, it runs again on the entry
// there is then): only the last call's Mutation is applied, so it must not count or act on
// anything but its result.
using MutateFn = std::function<Result<Mutation>(const Entry* current)>;

struct NamespaceFigures {
  std::string name;
  uint64_t approx_live_keys = 0;  // RocksDB's estimate; may count expired, not yet dropped keys
  uint64_t disk_bytes = 0;        // SST + blob files of this namespace
  uint64_t expired_dropped = 0;   // entries the compaction filter dropped since open
  uint64_t expired_reads = 0;     // reads that found an expired entry since open
  // RocksDB compactions of this namespace completed since open: all of them, RocksDB's own
  // (level) compactions as well as those the expired-entry check started.
  uint64_t compactions = 0;
  int64_t default_ttl_seconds = 0;
  // Size bounds (evict/evicting_store.h); all 0 when no eviction layer is in front.
  uint64_t quota_bytes = 0;      // the namespace's quota; 0: none
  uint64_t used_bytes = 0;       // what counts against it: max(disk_bytes, indexed entry bytes)
  uint64_t evicted_quota = 0;    // entries evicted since start for the namespace's quota
  uint64_t evicted_disk = 0;     // ... for max_disk_bytes or min_free_disk_bytes
  uint64_t evicted_expired = 0;  // expired entries the eviction check dropped first
};

struct ScanPage {
  std::vector<std::pair<std::string, Entry>> entries;  // live entries, in key order
  std::optional<std::string> next_after;               // pass as start_after for the next page
};

// Durability: a write is durable when it returns (written to the operating system, so it
// survives the process being killed; fsynced too with StoreOptions::sync_writes), unless the
// calling thread is inside a WriteDeferral (write_deferral.h): it is then durable once
// CommitWrites() has returned Ok. A wrapping store passes both through (it calls the wrapped
// store on the caller's thread and forwards CommitWrites).
class Store : public WriteCommitter {
 public:
  ~Store() override = default;

  // The live entry, or NotFound.
  virtual Result<Entry> Get(std::string_view ns, std::string_view key) = 0;

  // Stores (creates or replaces) an entry. flags are stored with it (EntryInfo::flags); the
  // overrides repeat the defaults. With report_replaced the answer says what the write replaced
  // (WriteOutcome::replaced), learnt under the key's lock from the memtable and block cache
  // when they know, else from a read; without it nothing is read before the write.
  virtual Result<WriteOutcome> Put(std::string_view ns, std::string_view key,
                                   std::string_view value, std::string_view content_type,
                                   std::optional<int64_t> ttl_seconds, uint32_t flags = 0,
                                   bool report_replaced = false) = 0;

  // true when a live entry existed and was deleted; false when there was none.
  virtual Result<bool> Delete(std::string_view ns, std::string_view key) = 0;

  // Stores only when no live entry exists (an expired one counts as absent); AlreadyExists
  // otherwise.
  virtual Result<WriteOutcome> Add(std::string_view ns, std::string_view key,
                                   std::string_view value, std::string_view content_type,
                                   std::optional<int64_t> ttl_seconds, uint32_t flags = 0) = 0;

  // Stores only when a live entry with exactly expected_version exists; PreconditionFailed
  // otherwise (also when there is no live entry).
  virtual Result<WriteOutcome> CompareAndSet(std::string_view ns, std::string_view key,
                                             uint64_t expected_version, std::string_view value,
                                             std::string_view content_type,
                                             std::optional<int64_t> ttl_seconds,
                                             uint32_t flags = 0) = 0;

  // Gives a live entry a new TTL counted from now; value, content type, flags and version stay
  // the same (so an ETag stays valid). NotFound when there is none.
  virtual Result<EntryInfo> Touch(std::string_view ns, std::string_view key,
                                  std::optional<int64_t> ttl_seconds) = 0;

  // Adds delta to a live entry holding a signed 64-bit decimal integer (optional leading '-',
  // digits only) and returns the new value; keeps its expiry. A missing or expired entry is
  // created as delta with ttl_on_create (nullopt: namespace default) and flags 0; an existing
  // one keeps its flags and content type. Conflict on a non-integer value or on overflow;
  // nothing is written then.
  virtual Result<int64_t> Incr(std::string_view ns, std::string_view key, int64_t delta,
                               std::optional<int64_t> ttl_on_create) = 0;

  // Atomic read-modify-write of one key; see MutateFn. Returns the live entry after the
  // mutation (nullopt when deleted or absent).
  virtual Result<std::optional<Entry>> Mutate(std::string_view ns, std::string_view key,
                                              const MutateFn& fn) = 0;

  // One result per key, in order: the live entry or nullopt.
  virtual Result<std::vector<std::optional<Entry>>> MultiGet(
      std::string_view ns, const std::vector<std::string>& keys) = 0;

  // Get and MultiGet whose answers share the entries' bytes instead of copying them (the RAM
  // tier answers a hit with its own entry, shared_block.h). Same results and errors as Get and
  // MultiGet; the defaults call those and move each entry into a block of its own.
  virtual Result<SharedEntry> GetShared(std::string_view ns, std::string_view key);
  virtual Result<std::vector<std::optional<SharedEntry>>> MultiGetShared(
      std::string_view ns, std::span<const std::string_view> keys);

  // All items or none, as one atomic batch. Returns one EntryInfo per item, in order.
  virtual Result<std::vector<EntryInfo>> MultiPut(std::string_view ns,
                                                  const std::vector<PutItem>& items) = 0;

  // Applies every write or none, as ONE RocksDB WriteBatch (one WAL record): after a crash
  // either all of them are there or none. Writes may span namespaces (puts create theirs) and
  // repeat a key (the last one wins). Every key is locked for the whole batch, so no other
  // operation sees some of the writes without the others. One result per write, in order.
  // Errors: the common ones and PreconditionFailed (BatchWrite::expected_version), each naming
  // the write ("write 3: ..."); nothing is written then.
  virtual Result<std::vector<BatchWriteResult>> WriteAtomically(
      const std::vector<BatchWrite>& writes) = 0;

  // Number of keys that had a live entry and were deleted.
  virtual Result<uint64_t> DeleteMany(std::string_view ns,
                                      const std::vector<std::string>& keys) = 0;

  // Deletes every key without reading it first: one WriteBatch of deletes, the keys locked only
  // while it is written (DeleteMany reads each key under its lock to count it, a file read for
  // an entry out of the caches). For a caller that knows the keys are stored and needs no count:
  // eviction (evict/evicting_store.h), whose writers would otherwise wait behind those reads. An
  // absent key gets a tombstone all the same (harmless: compactions drop it).
  virtual Status DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) = 0;

  // Deletes every key starting with prefix (REQUIRES: prefix not empty); returns how many live
  // entries were deleted.
  virtual Result<uint64_t> DeletePrefix(std::string_view ns, std::string_view prefix) = 0;

  // Removes every entry of a namespace in constant time whatever its size (a range tombstone;
  // the space comes back in the background). The namespace itself stays.
  virtual Status ClearNamespace(std::string_view ns) = 0;

  // Removes a namespace altogether: its entries, its column family and the column family's
  // files (RocksDB deletes them once no reader uses them), and its max_namespaces slot. true
  // when it existed, false when there was none (nothing is done). Internal namespaces are
  // accepted too (from code).
  //
  // Consistency with concurrent operations on the same namespace (docs/storage.md has the
  // argument): each operation is either wholly before the drop (its writes are removed with
  // the namespace) or wholly after it (it sees an empty namespace; a write creates it anew, in
  // a fresh column family). The drop waits for the operations that were already using the
  // namespace when it began; from its start on, no new one can reach the old column family.
  // Once it has returned no read returns an entry written before it, also after a restart (the
  // drop is recorded in RocksDB's MANIFEST before it returns). Operations on other namespaces
  // are never blocked by it, except that RocksDB holds back writes to every namespace while it
  // records the drop in its MANIFEST (as for a creation; docs/namespaces.md has the figures).
  //
  // Errors: InvalidArgument (bad name), Unavailable (the database refused; the namespace is
  // then left as it was).
  virtual Result<bool> DropNamespace(std::string_view ns) = 0;

  // Live entries in key order, after start_after (exclusive; nullopt: from the start), at most
  // limit of them, only keys starting with prefix (empty: all keys). InvalidArgument when limit
  // is 0.
  virtual Result<ScanPage> Scan(std::string_view ns, std::string_view prefix,
                                std::optional<std::string> start_after, size_t limit) = 0;

  // User namespaces with their figures, by name.
  virtual Result<std::vector<NamespaceFigures>> ListNamespaces() = 0;
  // One namespace's figures (internal ones too); NotFound if it was never written.
  virtual Result<NamespaceFigures> GetNamespace(std::string_view ns) = 0;

  // Whether a write into ns would run now without waiting for the store: ns exists (a write
  // creates no namespace, and RocksDB holds back every write while it creates one) and nothing
  // holds writes back (an evicting store under its free-disk floor throttles them). A hint for a
  // front choosing the thread a write runs on (http/server.h): it may be stale at once, and
  // false is also the answer of a store that cannot tell. Cheap: no I/O, no waiting.
  virtual bool WritesWithoutWaiting(std::string_view ns) = 0;

  // Flushes memtables and closes; further calls return Unavailable. Idempotent. The destructor
  // calls it too.
  virtual Status Close() = 0;

  // The administration of this store (store_admin.h): what operators and the daemon need, not
  // the fronts. Lives as long as the store; a wrapping store hands out the wrapped one's.
  virtual StoreAdmin& admin() = 0;

  virtual const Clock& clock() const = 0;
  virtual const StoreOptions& options() const = 0;
};

// Validation shared by storage/ and http/ so that both refuse the same names with the same words.
Status ValidateNamespaceName(std::string_view ns);  // user names only
bool IsInternalNamespace(std::string_view ns);      // starts with '.'

// Opens (creating if needed) the RocksDB-backed store in options.data_dir. The clock must
// outlive the store.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options, const Clock& clock);

}  // namespace apicached
