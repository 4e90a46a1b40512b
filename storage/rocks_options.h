// Builds every RocksDB option set the store uses, in one place. Private to storage/.
//
// Memory stays bounded however many namespaces exist: all column families share one LRU block
// cache and one WriteBufferManager, and the WAL is capped by max_total_wal_size. Every column
// family gets its options from MakeColumnFamilyOptions, so the TTL filter and the expiry
// collector are on all of them.
#pragma once

#include <rocksdb/options.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "storage/background_errors.h"
#include "storage/clock.h"
#include "storage/compaction_counter.h"
#include "storage/store.h"

namespace apicached {

// Objects shared by all column families of one open store.
struct RocksResources {
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffer_manager;
  std::shared_ptr<rocksdb::TableFactory> table_factory;
  std::shared_ptr<rocksdb::TablePropertiesCollectorFactory> expiry_collector;
  // Background-error tracking and the stderr info log (see background_errors.h).
  std::shared_ptr<BackgroundErrorWatch> error_watch;
  std::shared_ptr<CompactionCounter> compactions;  // per column family, since open
  std::shared_ptr<rocksdb::Logger> info_log;
  // The default file system without RocksDB's OPTIONS file (no_options_file_system.h).
  std::shared_ptr<rocksdb::Env> env;
};

RocksResources MakeRocksResources(const StoreOptions& options);

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options, const RocksResources& resources);

// The options of one namespace; its compaction filter counts drops into *expired_dropped.
rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(
    const StoreOptions& options, const RocksResources& resources, const Clock& clock,
    std::shared_ptr<std::atomic<uint64_t>> expired_dropped);

rocksdb::WriteOptions MakeWriteOptions(const StoreOptions& options);

// A manual compaction that drops what deletes, overwrites and the TTL filter leave behind
// (eviction's and the expiry reclaimer's): down to the bottom level, each file rewritten once.
rocksdb::CompactRangeOptions MakeDropCompactionOptions();

}  // namespace apicached
