// NoOptionsFileSystem: the file system the store's RocksDB runs on, without RocksDB's OPTIONS
// file. Private to storage/.
//
// RocksDB 7.8 rewrites its OPTIONS file (every column family's options, ~4.4 KB each) and then
// parses it back to verify it, on every DB::Open, CreateColumnFamily and DropColumnFamily, and
// it holds back every write of every namespace while it does (DBImpl::WriteOptionsFile enters
// the write thread). With a thousand namespaces that is ~300 ms per namespace created and ~1.5 s
// of each start, and the cost grows with every namespace. apicached never reads the file: it
// opens the database with the options of rocks_options.h, never with LoadLatestOptions. So this
// file system refuses to create the file's temporary (OPTIONS-<n>.dbtmp) before a byte is
// serialised; RocksDB, with fail_if_options_file_error false (MakeDbOptions), logs the refusal
// (StderrLogger drops that one line, see IsOptionsFileRefusal) and goes on. Checkpoints then
// hold no OPTIONS file (RocksDB's live-file list leaves it out when none was written).
//
// Thread safety: as the wrapped file system (RocksDB calls it from any thread).
#pragma once

#include <rocksdb/file_system.h>

#include <memory>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace apicached {

class NoOptionsFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit NoOptionsFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target)
      : rocksdb::FileSystemWrapper(target) {}
  static const char* kClassName() { return "ApicachedNoOptionsFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // NotSupported (with kOptionsFileRefusal) for an OPTIONS file's temporary; else the target's.
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
};

inline constexpr std::string_view kOptionsFileRefusal = "apicached keeps no RocksDB OPTIONS file";

// True for the path of an OPTIONS file's temporary ("<dir>/OPTIONS-000123.dbtmp").
bool IsOptionsTempFile(std::string_view path);
// True for RocksDB's log line about a refused OPTIONS file.
bool IsOptionsFileRefusal(std::string_view log_line);

// Deletes the OPTIONS-<n> files an earlier version left in dir (stale once namespaces change).
// Unavailable when dir cannot be listed or a file cannot be removed; Ok when dir is missing.
Status RemoveOptionsFiles(const std::string& dir);

}  // namespace apicached
