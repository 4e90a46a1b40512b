// RocksStore: opening and closing the database, and the shared hold every operation takes.
#include "storage/rocks_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "storage/no_options_file_system.h"
#include "storage/rocks_status.h"

namespace apicached {

namespace {

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

rocksdb::Status RocksStore::Flushed(rocksdb::Status written) {
  if (!written.ok() || options_.sync_writes) return written;  // sync_writes: synced already
  if (WriteDeferral::Active()) {
    WriteDeferral::Note();
    return written;
  }
  return db_->FlushWAL(/*sync=*/false);
}

Status RocksStore::CommitWrites() {
  if (options_.sync_writes) return Status::Ok();  // every write was synced before it returned
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  // One write() of everything buffered in the current WAL file; RocksDB writes an older file's
  // buffer out when it switches files (DBImpl::SwitchMemtable), before the switch succeeds.
  return FromRocks(db_->FlushWAL(/*sync=*/false), "writing the write-ahead log");
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

}  // namespace apicached
