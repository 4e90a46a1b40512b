#include "storage/rocks_store.h"

#include <fcntl.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "storage/entry_codec.h"
#include "storage/expiry_reclaimer.h"
#include "storage/media_type.h"
#include "storage/no_options_file_system.h"
#include "storage/rocks_status.h"

namespace apicached {

namespace {

constexpr char kHealthNamespace[] = ".health";
constexpr size_t kDeleteBatchSize = 1000;

rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}
std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

std::string InNamespace(std::string_view ns) {
  return " in namespace '" + std::string(ns) + "'";
}

// The smallest string above every key starting with prefix; nullopt when there is none (the
// prefix is all 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

// An iterator bounded above by the prefix's successor (RocksDB then stops early). Not movable:
// the read options point into it.
class PrefixIterator {
 public:
  PrefixIterator(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, std::string_view prefix)
      : upper_(PrefixSuccessor(prefix)) {
    rocksdb::ReadOptions read;
    if (upper_) {
      upper_slice_ = rocksdb::Slice(*upper_);
      read.iterate_upper_bound = &upper_slice_;
    }
    it_.reset(db.NewIterator(read, family));
  }
  PrefixIterator(const PrefixIterator&) = delete;
  PrefixIterator& operator=(const PrefixIterator&) = delete;
  rocksdb::Iterator* operator->() { return it_.get(); }

 private:
  const std::optional<std::string> upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

Result<int64_t> ParseInteger(std::string_view text) {
  int64_t v = 0;
  const bool digits_only = !text.empty() && text.front() != '+' &&
                           std::all_of(text.begin() + (text.front() == '-' ? 1 : 0), text.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!digits_only || ec != std::errc() || end != text.data() + text.size()) {
    return Status::Conflict("the stored value is not a signed 64-bit decimal integer");
  }
  return v;
}

Status CreateDataDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("data_dir is empty");
  std::error_code ec;
  const std::filesystem::path path(dir);
  if (std::filesystem::exists(path, ec)) return Status::Ok();
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create data directory " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

// Whether dir takes a new file of some size now: the least a reopen needs (a MANIFEST, an
// OPTIONS file and a WAL).
Status ProbeWritable(const std::string& dir) {
  const std::string path = dir + "/.reopen-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable(path + ": " + std::strerror(errno));
  const std::string block(64 << 10, '\0');
  Status result;
  for (int i = 0; i < 16 && result.ok(); ++i) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      result = Status::Unavailable(path + ": " + std::strerror(errno));
    }
  }
  ::close(fd);
  ::unlink(path.c_str());
  return result;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options, const Clock& clock) {
  return RocksStore::Open(options, clock);
}

RocksStore::RocksStore(const StoreOptions& options, const Clock& clock)
    : options_(options),
      clock_(clock),
      resources_(MakeRocksResources(options_)),
      write_options_(MakeWriteOptions(options_)),
      registry_(options_, resources_, clock_),
      ttl_(options.ttl) {}

Result<std::unique_ptr<Store>> RocksStore::Open(const StoreOptions& options, const Clock& clock) {
  if (options.max_key_bytes == 0) return Status::InvalidArgument("max_key_bytes must be > 0");
  if (options.ttl.default_ttl_seconds < 0) {
    return Status::InvalidArgument("default_ttl_seconds must not be negative");
  }
  if (Status s = CreateDataDir(options.data_dir); !s.ok()) return s;
  // Written by versions before the OPTIONS file was refused; they would describe namespaces
  // that no longer exist to a RocksDB tool.
  if (Status s = RemoveOptionsFiles(options.data_dir); !s.ok()) return s;
  std::unique_ptr<RocksStore> store(new RocksStore(options, clock));
  auto db =
      store->registry_.OpenDatabase(MakeDbOptions(options, store->resources_), options.data_dir);
  if (!db.ok()) return db.status();
  store->db_ = std::move(*db);
  auto versions =
      VersionSource::Open(*store->db_, store->db_->DefaultColumnFamily(), store->write_options_);
  if (!versions.ok()) {
    static_cast<void>(store->Close());  // the open failure is what the caller needs to see
    return versions.status();
  }
  store->versions_ = std::move(*versions);
  RocksStore* raw = store.get();
  store->maintenance_ =
      std::make_unique<PeriodicTask>(std::chrono::seconds(options.maintenance_period_seconds),
                                     [raw] { raw->BackgroundMaintenance(); });
  return std::unique_ptr<Store>(std::move(store));
}

RocksStore::~RocksStore() {
  static_cast<void>(Close());
}

Status RocksStore::Close() {
  std::lock_guard close_lock(close_mu_);
  if (closed_.exchange(true)) return Status::Ok();
  {
    std::shared_lock hold(lifecycle_mu_);
    // Lets a running maintenance compaction return at once.
    if (db_ != nullptr) db_->DisableManualCompaction();
  }
  if (maintenance_) maintenance_->Stop();
  std::unique_lock lock(lifecycle_mu_);  // waits for operations in flight
  if (db_ == nullptr) return Status::Ok();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (Namespace* ns : registry_.All()) handles.push_back(ns->handle);
  rocksdb::FlushOptions flush;
  Status result = FromRocks(db_->Flush(flush, handles), "flushing on close");
  versions_.reset();
  registry_.ReleaseHandles();
  Status closed = FromRocks(db_->Close(), "closing the database");
  db_.reset();
  return result.ok() ? closed : result;
}

Result<std::shared_lock<std::shared_mutex>> RocksStore::Enter() {
  if (resources_.error_watch->stopped() || reopen_pending_.load()) Recover();
  std::shared_lock lock(lifecycle_mu_);
  if (closed_.load()) return Status::Unavailable("the store is closed");
  if (db_ == nullptr) {
    std::lock_guard reopen_lock(reopen_mu_);
    return Status::Unavailable(
        "the database is closed after a fatal error and could not be "
        "reopened yet (retried every second): " +
        reopen_error_);
  }
  return lock;
}

void RocksStore::Recover() {
  // Rate-limited by the steady clock (not the injected Clock, which only decides expiry): one
  // caller a second attempts it, the others go on and get the database's error.
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t last = last_resume_ns_.load();
  if (now - last < int64_t{1'000'000'000} || !last_resume_ns_.compare_exchange_strong(last, now)) {
    return;
  }
  {
    std::shared_lock hold(lifecycle_mu_);
    if (closed_.load()) return;
    if (db_ != nullptr) {
      const rocksdb::Status s = db_->Resume();
      if (s.ok()) {
        resources_.error_watch->MarkRecovered();
        return;
      }
      if (s.IsBusy()) return;  // RocksDB's own recovery (from "no space") is under way
      resources_.error_watch->NoteResumeFailure(s.ToString());
      if (!resources_.error_watch->reopenable()) return;
    }
  }
  Reopen();
}

void RocksStore::Reopen() {
  if (Status probe = ProbeWritable(options_.data_dir); !probe.ok()) {
    resources_.error_watch->NoteResumeFailure("not reopening yet: " + probe.message());
    return;
  }
  std::unique_lock lock(lifecycle_mu_);  // waits for operations in flight
  if (closed_.load()) return;
  if (db_ != nullptr) {
    versions_.reset();
    registry_.ReleaseHandles();
    // The database refuses writes, so closing it can fail; everything acknowledged is in the WAL.
    const rocksdb::Status closed = db_->Close();
    if (!closed.ok()) {
      std::fprintf(stderr, "apicached: storage: closing the failed database: %s\n",
                   closed.ToString().c_str());
    }
    db_.reset();
  }
  auto fail = [&](const Status& why) {
    std::fprintf(stderr, "apicached: storage: reopening the database failed: %s\n",
                 why.ToString().c_str());
    std::lock_guard reopen_lock(reopen_mu_);
    reopen_error_ = why.message();
    reopen_pending_.store(true);
  };
  auto db = registry_.OpenDatabase(MakeDbOptions(options_, resources_), options_.data_dir);
  if (!db.ok()) return fail(db.status());
  auto versions = VersionSource::Open(**db, (*db)->DefaultColumnFamily(), write_options_);
  if (!versions.ok()) {
    registry_.ReleaseHandles();
    static_cast<void>((*db)->Close());
    return fail(versions.status());
  }
  db_ = std::move(*db);
  versions_ = std::move(*versions);
  reopen_pending_.store(false);
  resources_.error_watch->MarkRecovered();
  std::fprintf(stderr, "apicached: storage: reopened the database after a fatal I/O error\n");
}

Status RocksStore::ValidateKey(std::string_view key) const {
  if (key.empty()) return Status::InvalidArgument("key is empty");
  if (key.size() > options_.max_key_bytes) {
    return Status::InvalidArgument("key is " + std::to_string(key.size()) + " bytes; at most " +
                                   std::to_string(options_.max_key_bytes) + " are allowed");
  }
  return Status::Ok();
}

Status RocksStore::ValidateWrite(std::string_view key, std::string_view value,
                                 std::string_view content_type, std::optional<int64_t> ttl) const {
  if (Status s = ValidateKey(key); !s.ok()) return s;
  if (value.size() > options_.max_value_bytes) {
    return Status::TooLarge("value is " + std::to_string(value.size()) + " bytes; at most " +
                            std::to_string(options_.max_value_bytes) + " are allowed");
  }
  if (content_type.size() > kMaxContentTypeBytes) {
    return Status::InvalidArgument("content type is " + std::to_string(content_type.size()) +
                                   " bytes; at most " + std::to_string(kMaxContentTypeBytes) +
                                   " are allowed");
  }
  // The store is where every front's every write path meets, so the header-safety rule for
  // content types lives here (see media_type.h); empty still means "none given".
  if (!content_type.empty()) {
    if (std::string why = MediaTypeError(content_type); !why.empty()) {
      return Status::InvalidArgument(why);
    }
  }
  if (ttl && *ttl < 0) {
    return Status::InvalidArgument("ttl must not be negative (got " + std::to_string(*ttl) + ")");
  }
  return Status::Ok();
}

int64_t RocksStore::DefaultTtlSeconds(std::string_view ns) const {
  std::lock_guard lock(ttl_mu_);
  auto it = ttl_.namespace_ttl_seconds.find(std::string(ns));
  return it != ttl_.namespace_ttl_seconds.end() ? it->second : ttl_.default_ttl_seconds;
}

Result<int64_t> RocksStore::ExpiresAt(std::string_view ns, std::optional<int64_t> ttl,
                                      int64_t now_ms) const {
  const int64_t seconds = ttl ? *ttl : DefaultTtlSeconds(ns);
  if (seconds < 0) {
    return Status::InvalidArgument("ttl must not be negative (got " + std::to_string(seconds) +
                                   ")");
  }
  if (seconds == 0) return int64_t{0};
  int64_t ms = 0;
  int64_t at = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1000}, &ms) ||
      __builtin_add_overflow(now_ms, ms, &at)) {
    return Status::InvalidArgument("ttl of " + std::to_string(seconds) + " seconds is too large");
  }
  return at;
}

int64_t RocksStore::WithGrace(int64_t expires_ms, uint32_t grace_seconds) {
  if (expires_ms == 0 || grace_seconds == 0) return expires_ms;
  return expires_ms + int64_t{grace_seconds} * 1000;
}

Result<std::optional<Entry>> RocksStore::DecodeLive(Namespace& ns, std::string_view raw,
                                                    int64_t now_ms) {
  Result<Entry> entry = DecodeEntry(raw);
  if (!entry.ok()) return Status::Internal(entry.status().message() + InNamespace(ns.name));
  if (IsExpired(entry->info.expires_ms, now_ms)) {
    ns.expired_reads.fetch_add(1, std::memory_order_relaxed);
    return std::optional<Entry>();
  }
  return std::optional<Entry>(std::move(*entry));
}

Result<std::optional<Entry>> RocksStore::ReadLive(Namespace& ns, std::string_view key,
                                                  int64_t now_ms, bool* present) {
  rocksdb::PinnableSlice raw;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), ns.handle, ToSlice(key), &raw);
  if (present != nullptr) *present = s.ok();
  if (s.IsNotFound()) return std::optional<Entry>();
  if (!s.ok()) return FromRocks(s, "reading" + InNamespace(ns.name));
  return DecodeLive(ns, ToView(raw), now_ms);
}

Status RocksStore::WriteEncoded(Namespace& ns, std::string_view key, const EntryInfo& info,
                                std::string_view content_type, std::string_view value) {
  return FromRocks(
      db_->Put(write_options_, ns.handle, ToSlice(key), EncodeEntry(info, content_type, value)),
      "writing" + InNamespace(ns.name));
}

Result<EntryInfo> RocksStore::WriteNew(Namespace& ns, std::string_view key, std::string_view value,
                                       std::string_view content_type, uint32_t flags,
                                       int64_t expires_ms, int64_t now_ms, uint32_t grace_seconds) {
  Result<uint64_t> version = versions_->Next();
  if (!version.ok()) return version.status();
  const EntryInfo info{.created_ms = now_ms,
                       .expires_ms = expires_ms,
                       .version = *version,
                       .flags = flags,
                       .grace_seconds = expires_ms == 0 ? 0 : grace_seconds};
  if (Status s = WriteEncoded(ns, key, info, content_type, value); !s.ok()) return s;
  return info;
}

Result<Entry> RocksStore::Get(std::string_view ns, std::string_view key) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::NotFound("no such key" + InNamespace(ns));
  auto live = ReadLive(*n, key, clock_.NowMillis());
  if (!live.ok()) return live.status();
  if (!live->has_value()) return Status::NotFound("no such key" + InNamespace(ns));
  return std::move(**live);
}

Result<EntryInfo> RocksStore::WriteIf(std::string_view ns, std::string_view key,
                                      std::string_view value, std::string_view content_type,
                                      std::optional<int64_t> ttl_seconds, uint32_t flags,
                                      WriteCondition condition, uint64_t expected_version) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateWrite(key, value, content_type, ttl_seconds); !s.ok()) return s;
  NamespaceRef n;
  if (condition == WriteCondition::kVersion) {
    n = registry_.Find(ns);  // a version can only match in an existing namespace
    if (!n) return Status::PreconditionFailed("no live entry for key" + InNamespace(ns));
  } else {
    auto found = registry_.FindOrCreate(ns);
    if (!found.ok()) return found.status();
    n = std::move(*found);
  }
  auto lock = locks_.Lock(ns, key);
  const int64_t now = clock_.NowMillis();
  if (condition != WriteCondition::kAlways) {
    auto live = ReadLive(*n, key, now);
    if (!live.ok()) return live.status();
    if (condition == WriteCondition::kAbsent && live->has_value()) {
      return Status::AlreadyExists("key already has a live entry" + InNamespace(ns));
    }
    if (condition == WriteCondition::kVersion && !live->has_value()) {
      return Status::PreconditionFailed("no live entry for key" + InNamespace(ns));
    }
    if (condition == WriteCondition::kVersion && (*live)->info.version != expected_version) {
      return Status::PreconditionFailed("entry is at version " +
                                        std::to_string((*live)->info.version) + ", not " +
                                        std::to_string(expected_version));
    }
  }
  auto expires = ExpiresAt(ns, ttl_seconds, now);
  if (!expires.ok()) return expires.status();
  return WriteNew(*n, key, value, content_type, flags, *expires, now);
}

Result<EntryInfo> RocksStore::Put(std::string_view ns, std::string_view key, std::string_view value,
                                  std::string_view content_type, std::optional<int64_t> ttl_seconds,
                                  uint32_t flags) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kAlways);
}

Result<EntryInfo> RocksStore::Add(std::string_view ns, std::string_view key, std::string_view value,
                                  std::string_view content_type, std::optional<int64_t> ttl_seconds,
                                  uint32_t flags) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kAbsent);
}

Result<EntryInfo> RocksStore::CompareAndSet(std::string_view ns, std::string_view key,
                                            uint64_t expected_version, std::string_view value,
                                            std::string_view content_type,
                                            std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kVersion,
                 expected_version);
}

Result<bool> RocksStore::Delete(std::string_view ns, std::string_view key) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return false;
  auto lock = locks_.Lock(ns, key);
  bool present = false;
  auto live = ReadLive(*n, key, clock_.NowMillis(), &present);
  if (!live.ok()) return live.status();
  if (!present) return false;
  rocksdb::Status s = db_->Delete(write_options_, n->handle, ToSlice(key));
  if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
  return live->has_value();
}

Result<EntryInfo> RocksStore::Touch(std::string_view ns, std::string_view key,
                                    std::optional<int64_t> ttl_seconds) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateWrite(key, {}, {}, ttl_seconds); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::NotFound("no such key" + InNamespace(ns));
  auto lock = locks_.Lock(ns, key);
  const int64_t now = clock_.NowMillis();
  auto live = ReadLive(*n, key, now);
  if (!live.ok()) return live.status();
  if (!live->has_value()) return Status::NotFound("no such key" + InNamespace(ns));
  auto expires = ExpiresAt(ns, ttl_seconds, now);
  if (!expires.ok()) return expires.status();
  Entry& entry = **live;
  entry.info.expires_ms = WithGrace(*expires, entry.info.grace_seconds);
  if (entry.info.expires_ms == 0) entry.info.grace_seconds = 0;
  if (Status s = WriteEncoded(*n, key, entry.info, entry.content_type, entry.value); !s.ok()) {
    return s;
  }
  return entry.info;
}

Result<int64_t> RocksStore::Incr(std::string_view ns, std::string_view key, int64_t delta,
                                 std::optional<int64_t> ttl_on_create) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateWrite(key, {}, {}, ttl_on_create); !s.ok()) return s;
  auto n = registry_.FindOrCreate(ns);
  if (!n.ok()) return n.status();
  auto lock = locks_.Lock(ns, key);
  const int64_t now = clock_.NowMillis();
  auto live = ReadLive(**n, key, now);
  if (!live.ok()) return live.status();
  int64_t result = delta;
  int64_t expires_ms = 0;
  std::string content_type;
  uint32_t flags = 0;
  uint32_t grace = 0;
  // An entry in its grace period is past its TTL, kept for stale readers only: the counter
  // starts again, as every other write sees it.
  if (live->has_value() && (*live)->info.grace_seconds > 0 &&
      now >= (*live)->info.expires_ms - int64_t{(*live)->info.grace_seconds} * 1000) {
    live->reset();
  }
  if (live->has_value()) {
    auto current = ParseInteger((*live)->value);
    if (!current.ok()) return current.status();
    if (__builtin_add_overflow(*current, delta, &result)) {
      return Status::Conflict("adding " + std::to_string(delta) + " to " +
                              std::to_string(*current) + " overflows a signed 64-bit integer");
    }
    expires_ms = (*live)->info.expires_ms;
    content_type = std::move((*live)->content_type);
    flags = (*live)->info.flags;
    grace = (*live)->info.grace_seconds;
  } else {
    auto expires = ExpiresAt(ns, ttl_on_create, now);
    if (!expires.ok()) return expires.status();
    expires_ms = *expires;
  }
  auto written =
      WriteNew(**n, key, std::to_string(result), content_type, flags, expires_ms, now, grace);
  if (!written.ok()) return written.status();
  return result;
}

Result<std::optional<Entry>> RocksStore::Mutate(std::string_view ns, std::string_view key,
                                                const MutateFn& fn) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  // The stripe is held from the read to the write so that the callback's view stays current.
  // Creating the namespace may wait for a DropNamespace, which waits for operations that may be
  // waiting for this stripe: so the namespace is created without the stripe, and the callback
  // runs again on what is there then.
  for (;;) {
    auto lock = locks_.Lock(ns, key);
    const int64_t now = clock_.NowMillis();
    NamespaceRef n = registry_.Find(ns);
    std::optional<Entry> current;
    bool present = false;
    if (n) {
      auto live = ReadLive(*n, key, now, &present);
      if (!live.ok()) return live.status();
      current = std::move(*live);
    }
    Result<Mutation> mutation = fn(current ? &*current : nullptr);
    if (!mutation.ok()) return mutation.status();
    switch (mutation->kind) {
      case Mutation::Kind::kKeep:
        return current;
      case Mutation::Kind::kDelete: {
        if (present) {
          rocksdb::Status s = db_->Delete(write_options_, n->handle, ToSlice(key));
          if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
        }
        return std::optional<Entry>();
      }
      case Mutation::Kind::kTouch: {
        if (!current) return current;
        if (mutation->expires_at_ms) {
          current->info.expires_ms =
              WithGrace(*mutation->expires_at_ms, current->info.grace_seconds);
        } else {
          if (Status s = ValidateWrite(key, {}, {}, mutation->ttl_seconds); !s.ok()) return s;
          auto expires = ExpiresAt(ns, mutation->ttl_seconds, now);
          if (!expires.ok()) return expires.status();
          current->info.expires_ms = WithGrace(*expires, current->info.grace_seconds);
        }
        if (current->info.expires_ms == 0) current->info.grace_seconds = 0;
        if (Status s = WriteEncoded(*n, key, current->info, current->content_type, current->value);
            !s.ok()) {
          return s;
        }
        return current;
      }
      case Mutation::Kind::kPut:
        break;
    }
    Mutation& m = *mutation;
    const bool keep_expiry = m.keep_expiry && current.has_value();
    const bool absolute = !keep_expiry && m.expires_at_ms.has_value();
    if (Status s = ValidateWrite(key, m.value, m.content_type,
                                 keep_expiry || absolute ? std::nullopt : m.ttl_seconds);
        !s.ok()) {
      return s;
    }
    const uint32_t grace = keep_expiry ? current->info.grace_seconds : m.grace_seconds;
    int64_t expires_ms = keep_expiry ? current->info.expires_ms
                         : absolute  ? WithGrace(*m.expires_at_ms, grace)
                                     : 0;
    if (!keep_expiry && !absolute) {
      auto expires = ExpiresAt(ns, m.ttl_seconds, now);
      if (!expires.ok()) return expires.status();
      expires_ms = WithGrace(*expires, grace);
    }
    if (!n) {
      lock.unlock();
      auto created = registry_.FindOrCreate(ns);
      if (!created.ok()) return created.status();
      continue;
    }
    auto info = WriteNew(*n, key, m.value, m.content_type, m.flags, expires_ms, now, grace);
    if (!info.ok()) return info.status();
    return std::optional<Entry>(Entry{
        .value = std::move(m.value), .content_type = std::move(m.content_type), .info = *info});
  }
}

Result<std::vector<std::optional<Entry>>> RocksStore::MultiGet(
    std::string_view ns, const std::vector<std::string>& keys) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  for (const std::string& key : keys) {
    if (Status s = ValidateKey(key); !s.ok()) return s;
  }
  std::vector<std::optional<Entry>> out(keys.size());
  NamespaceRef n = registry_.Find(ns);
  if (!n || keys.empty()) return out;
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), n->handle, keys.size(), slices.data(), values.data(),
                statuses.data());
  const int64_t now = clock_.NowMillis();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading" + InNamespace(ns));
    auto live = DecodeLive(*n, ToView(values[i]), now);
    if (!live.ok()) return live.status();
    out[i] = std::move(*live);
  }
  return out;
}

Result<std::vector<EntryInfo>> RocksStore::MultiPut(std::string_view ns,
                                                    const std::vector<PutItem>& items) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  for (size_t i = 0; i < items.size(); ++i) {
    const PutItem& item = items[i];
    if (Status s = ValidateWrite(item.key, item.value, item.content_type, item.ttl_seconds);
        !s.ok()) {
      return Status(s.code(), "item " + std::to_string(i) + ": " + s.message());
    }
  }
  std::vector<EntryInfo> infos;
  if (items.empty()) return infos;
  auto n = registry_.FindOrCreate(ns);
  if (!n.ok()) return n.status();
  auto lock =
      locks_.LockMany(ns, items, [](const PutItem& item) -> std::string_view { return item.key; });
  const int64_t now = clock_.NowMillis();
  rocksdb::WriteBatch batch;
  infos.reserve(items.size());
  for (const PutItem& item : items) {
    auto expires = ExpiresAt(ns, item.ttl_seconds, now);
    if (!expires.ok()) return expires.status();
    auto version = versions_->Next();
    if (!version.ok()) return version.status();
    infos.push_back(
        {.created_ms = now, .expires_ms = *expires, .version = *version, .flags = item.flags});
    rocksdb::Status s = batch.Put((*n)->handle, ToSlice(item.key),
                                  EncodeEntry(infos.back(), item.content_type, item.value));
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
  }
  rocksdb::Status s = db_->Write(write_options_, &batch);
  if (!s.ok()) return FromRocks(s, "writing a batch" + InNamespace(ns));
  return infos;
}

Result<uint64_t> RocksStore::DeleteMany(std::string_view ns, const std::vector<std::string>& keys) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  for (const std::string& key : keys) {
    if (Status s = ValidateKey(key); !s.ok()) return s;
  }
  NamespaceRef n = registry_.Find(ns);
  if (!n || keys.empty()) return uint64_t{0};
  auto lock = locks_.LockMany(ns, keys, [](const std::string& k) -> std::string_view { return k; });
  const int64_t now = clock_.NowMillis();
  rocksdb::WriteBatch batch;
  uint64_t deleted = 0;
  std::vector<std::string> sorted(keys);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());  // count each key once
  for (const std::string& key : sorted) {
    bool present = false;
    auto live = ReadLive(*n, key, now, &present);
    if (!live.ok()) return live.status();
    if (!present) continue;
    if (live->has_value()) ++deleted;
    rocksdb::Status s = batch.Delete(n->handle, ToSlice(key));
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
  }
  if (batch.Count() == 0) return deleted;
  rocksdb::Status s = db_->Write(write_options_, &batch);
  if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
  return deleted;
}

Result<uint64_t> RocksStore::DeletePrefix(std::string_view ns, std::string_view prefix) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (prefix.empty()) return Status::InvalidArgument("prefix is empty");
  if (prefix.size() > options_.max_key_bytes) return uint64_t{0};
  NamespaceRef n = registry_.Find(ns);
  if (!n) return uint64_t{0};
  PrefixIterator it(*db_, n->handle, prefix);
  const int64_t now = clock_.NowMillis();
  uint64_t deleted = 0;
  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::Ok();
    Status s = FromRocks(db_->Write(write_options_, &batch), "deleting" + InNamespace(ns));
    batch.Clear();
    return s;
  };
  for (it->Seek(ToSlice(prefix)); it->Valid() && it->key().starts_with(ToSlice(prefix));
       it->Next()) {
    auto expires = DecodeExpiry(ToView(it->value()));
    if (expires.ok() && !IsExpired(*expires, now)) ++deleted;
    rocksdb::Status s = batch.Delete(n->handle, it->key());
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
    if (batch.Count() >= kDeleteBatchSize) {
      if (Status st = flush(); !st.ok()) return st;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "iterating" + InNamespace(ns));
  if (Status st = flush(); !st.ok()) return st;
  return deleted;
}

Result<ScanPage> RocksStore::Scan(std::string_view ns, std::string_view prefix,
                                  std::optional<std::string> start_after, size_t limit) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (limit == 0) return Status::InvalidArgument("scan limit must be at least 1");
  ScanPage page;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return page;
  PrefixIterator it(*db_, n->handle, prefix);
  if (start_after && *start_after >= prefix) {
    it->Seek(*start_after);
    if (it->Valid() && it->key() == rocksdb::Slice(*start_after)) it->Next();
  } else {
    it->Seek(ToSlice(prefix));
  }
  const int64_t now = clock_.NowMillis();
  for (; it->Valid() && it->key().starts_with(ToSlice(prefix)); it->Next()) {
    auto live = DecodeLive(*n, ToView(it->value()), now);
    if (!live.ok()) return live.status();
    if (!live->has_value()) continue;
    if (page.entries.size() == limit) {
      page.next_after = page.entries.back().first;
      break;
    }
    page.entries.emplace_back(it->key().ToString(), std::move(**live));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning" + InNamespace(ns));
  return page;
}

Status RocksStore::Checkpoint(const std::string& dir) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (!s.ok()) return FromRocks(s, "preparing a checkpoint");
  return FromRocks(checkpoint->CreateCheckpoint(dir), "writing a checkpoint into " + dir);
}

Status RocksStore::CheckHealth() {
  {
    auto hold = Enter();
    if (!hold.ok()) return hold.status();
    uint64_t stopped = 0;
    if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped) && stopped != 0) {
      return Status::Unavailable("writes are stopped (too many pending flushes or compactions)");
    }
    if (resources_.error_watch->stopped()) {
      return Status::Unavailable("the database stopped writing after an error: " +
                                 resources_.error_watch->error());
    }
  }
  {
    std::lock_guard lock(maintenance_mu_);
    if (!maintenance_error_.ok()) {
      return Status::Unavailable("the background expiry check failed: " +
                                 maintenance_error_.ToString());
    }
  }
  auto probe = Put(kHealthNamespace, "probe", "", "", 0);
  if (!probe.ok())
    return Status::Unavailable("health probe write failed: " + probe.status().message());
  auto deleted = Delete(kHealthNamespace, "probe");
  if (!deleted.ok()) {
    return Status::Unavailable("health probe delete failed: " + deleted.status().message());
  }
  return Status::Ok();
}

void RocksStore::SetTtlDefaults(TtlDefaults defaults) {
  std::lock_guard lock(ttl_mu_);
  ttl_ = std::move(defaults);
}

}  // namespace apicached
