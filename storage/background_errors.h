// How the store survives RocksDB's I/O failures (disk full, read-only or vanished directory).
// Private to storage/.
//
// BackgroundErrorWatch is a RocksDB EventListener that records when the database stops writing
// after an error (a failed WAL write, flush or compaction) and when it recovered. RocksDB 7.8
// does not recover by itself from most of these (only from some retryable flush errors): someone
// must call DB::Resume() once the cause is gone. RocksStore does, at most once a second, from
// its operations and from CheckHealth, so writes succeed again as soon as space is freed, with no
// restart. DB::Resume() refuses errors RocksDB rates fatal (e.g. a new WAL file that could not be
// created in a read-only directory at a memtable switch); for those that are I/O errors the store
// closes and reopens the database itself once the directory takes writes again (reopenable()).
// It logs each stop ("apicached: storage: writes stopped by an error: ...") and each recovery
// ("apicached: storage: writes resumed") on stderr, once per change.
//
// StderrLogger replaces RocksDB's own LOG file in the data dir. That file lives on the same disk
// as the data, and in the packaged RocksDB 7.8 (built with assertions on) a second message to a
// LOG file whose earlier write failed aborts the process
// (WritableFileWriter::AssertFalseAndGetStatusForPrevError): a full disk would crash the daemon.
// Warnings and errors go to stderr (the journal, under systemd) instead, except the warning
// about the OPTIONS file apicached refuses by design (no_options_file_system.h).
//
// Thread safety: both are called by RocksDB from any thread; the accessors are thread-safe.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/listener.h>

#include <atomic>
#include <cstdarg>
#include <mutex>
#include <string>

namespace apicached {

class BackgroundErrorWatch final : public rocksdb::EventListener {
 public:
  // True from a background error until RocksDB reports the recovery.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // The error that stopped the database, e.g. "IO error: No space left on device: ...", with
  // what brings writes back: the fault going away (the store resumes or reopens the database),
  // or, after a fatal error that is not an I/O error (corruption), a restart of the daemon.
  std::string error() const;
  // True when the error is a fatal I/O error: DB::Resume() refuses it, reopening the database
  // once the cause is gone recovers it.
  bool reopenable() const;
  // Called by the store after a successful DB::Resume() or reopen.
  void MarkRecovered();
  // Called by the store when DB::Resume() failed; error() then says so.
  void NoteResumeFailure(const std::string& why);

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

 private:
  std::atomic<bool> stopped_{false};
  bool fatal_ = false;       // guarded by mu_; RocksDB's severity kFatalError or worse
  bool reopenable_ = false;  // guarded by mu_; fatal_ and an I/O error
  mutable std::mutex mu_;
  std::string error_;         // guarded by mu_
  std::string resume_error_;  // guarded by mu_; of the latest failed DB::Resume()
};

class StderrLogger final : public rocksdb::Logger {
 public:
  explicit StderrLogger(rocksdb::InfoLogLevel level = rocksdb::InfoLogLevel::WARN_LEVEL)
      : rocksdb::Logger(level) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
};

}  // namespace apicached
