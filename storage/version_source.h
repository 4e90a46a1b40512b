// Hands out entry versions that are unique across restarts. Private to storage/.
//
// Versions come from an in-memory counter. Before the counter passes the end of its current
// block, the end of the next block is written to the database (a lease); after a restart the
// counter starts at the last lease, above every version handed out before, whether the process
// was closed or killed. One small write per kBlock versions.
//
// Thread safety: Next may be called concurrently; only a thread crossing a block boundary waits.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <mutex>

#include "storage/status.h"

namespace apicached {

class VersionSource {
 public:
  static constexpr uint64_t kBlock = 1 << 16;

  // Reads the lease from family (a family no namespace uses) and takes the next block.
  static Result<std::unique_ptr<VersionSource>> Open(rocksdb::DB& db,
                                                     rocksdb::ColumnFamilyHandle* family,
                                                     const rocksdb::WriteOptions& write_options);

  Result<uint64_t> Next();

 private:
  VersionSource(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
                const rocksdb::WriteOptions& write_options, uint64_t start)
      : db_(db), family_(family), write_options_(write_options), next_(start), limit_(start) {}
  Status Lease(uint64_t limit);  // REQUIRES: mu_ held

  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* family_;
  rocksdb::WriteOptions write_options_;
  std::atomic<uint64_t> next_;
  std::atomic<uint64_t> limit_;  // versions below this are covered by a persisted lease
  std::mutex mu_;
};

}  // namespace apicached
