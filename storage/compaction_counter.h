// Counts the compactions RocksDB completed, per column family, since the database was opened:
// RocksDB's own level compactions and the ones the expired-entry check asked for alike. Feeds
// NamespaceFigures::compactions. Private to storage/.
//
// Thread safety: RocksDB calls OnCompactionCompleted from its background threads (before a
// manual CompactRange returns); Completed may be called from any thread.
#pragma once

#include <rocksdb/listener.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace apicached {

class CompactionCounter final : public rocksdb::EventListener {
 public:
  // Successful compactions of the column family named column_family; 0 if none yet.
  uint64_t Completed(std::string_view column_family) const;

  void OnCompactionCompleted(rocksdb::DB* db, const rocksdb::CompactionJobInfo& info) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> completed_;  // guarded by mu_
};

}  // namespace apicached
