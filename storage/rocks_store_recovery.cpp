// RocksStore: coming back from background errors (DB::Resume) and fatal I/O errors (a reopen).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "storage/rocks_store.h"

namespace apicached {

namespace {

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

}  // namespace apicached
