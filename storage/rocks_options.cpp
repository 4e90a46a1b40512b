#include "storage/rocks_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>

#include "storage/expiry_properties_collector.h"
#include "storage/no_options_file_system.h"
#include "storage/ttl_compaction_filter.h"

namespace apicached {

namespace {

rocksdb::CompressionType BestCompression() {
  const auto supported = rocksdb::GetSupportedCompressions();
  for (auto want : {rocksdb::kLZ4Compression, rocksdb::kSnappyCompression}) {
    if (std::find(supported.begin(), supported.end(), want) != supported.end()) return want;
  }
  return rocksdb::kNoCompression;
}

}  // namespace

RocksResources MakeRocksResources(const StoreOptions& options) {
  RocksResources r;
  r.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  r.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(options.write_buffer_bytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = r.block_cache;
  table.cache_index_and_filter_blocks = true;  // index and filters count against the cache too
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  r.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  r.expiry_collector = std::make_shared<ExpiryPropertiesCollectorFactory>();
  r.error_watch = std::make_shared<BackgroundErrorWatch>();
  r.compactions = std::make_shared<CompactionCounter>();
  r.env = rocksdb::NewCompositeEnv(
      std::make_shared<NoOptionsFileSystem>(rocksdb::FileSystem::Default()));
  r.info_log =
      std::make_shared<StderrLogger>(options.engine_info_log ? rocksdb::InfoLogLevel::INFO_LEVEL
                                                             : rocksdb::InfoLogLevel::WARN_LEVEL);
  return r;
}

rocksdb::DBOptions MakeDbOptions(const StoreOptions& options, const RocksResources& resources) {
  rocksdb::DBOptions db;
  db.create_if_missing = true;
  db.create_missing_column_families = true;
  db.write_buffer_manager = resources.write_buffer_manager;
  db.max_total_wal_size = options.max_total_wal_bytes;
  // Group commit (docs/storage.md): a write leaves its WAL record in RocksDB's buffer and the
  // store flushes it (DB::FlushWAL) after the write, or once for a batch of deferred writes
  // (write_deferral.h). With sync_writes every write is synced on its own, as before: a synced
  // write writes the buffer first (WritableFileWriter::Sync), so nothing is gained by deferring.
  db.manual_wal_flush = !options.sync_writes;
  // Pipelined writes (docs/storage.md, "Group commit"): a write group's WAL append and its
  // memtable inserts are two stages, so the next group writes the WAL while this one fills the
  // memtable. The I/O threads write at once (every front writes from its I/O threads); with one
  // queue a writer waited, spinning on sched_yield, for the whole of the group before it.
  // Measured: Redis SET -P16 at 50 connections 12-13 instead of 16 us of CPU per request
  // (docs/benchmarks-redis.md). Incompatible with atomic_flush and unordered_write (unused).
  db.enable_pipelined_write = true;
  db.max_background_jobs = 2;
  // Compactions read their input in 2 MiB reads, not one pread() per 4 KiB block: RocksDB 7.8's
  // default is 0 (no readahead; 8.x made 2 MiB the default). Under a write load, nearly
  // every pread() of the daemon came from the compaction thread, one per data block; with
  // eviction, compactions are most of the background work (docs/benchmarks-eviction.md).
  db.compaction_readahead_size = 2 << 20;
  db.max_open_files = options.max_open_files == 0
                          ? -1
                          : static_cast<int>(std::min<uint64_t>(options.max_open_files, 1 << 30));
  db.env = resources.env.get();
  // The OPTIONS file is refused (no_options_file_system.h): RocksDB must go on without it.
  db.fail_if_options_file_error = false;
  // At most 16 table files are opened at open (RocksDB's initial load): one thread does.
  db.max_file_opening_threads = 1;
  // No periodic statistics dump into the info log (formatted for every column family, every
  // 10 minutes, then dropped by StderrLogger below INFO) nor in-memory statistics history.
  db.stats_dump_period_sec = 0;
  db.stats_persist_period_sec = 0;
  db.keep_log_file_num = 4;
  db.max_log_file_size = 8 << 20;
  // No LOG file on the data disk: see background_errors.h for why.
  db.info_log = resources.info_log;
  db.listeners.push_back(resources.error_watch);
  db.listeners.push_back(resources.compactions);
  return db;
}

rocksdb::ColumnFamilyOptions MakeColumnFamilyOptions(
    const StoreOptions& options, const RocksResources& resources, const Clock& clock,
    std::shared_ptr<std::atomic<uint64_t>> expired_dropped) {
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory = resources.table_factory;
  cf.table_properties_collector_factories.push_back(resources.expiry_collector);
  cf.compaction_filter_factory =
      std::make_shared<TtlCompactionFilterFactory>(clock, std::move(expired_dropped));
  // Each namespace's memtable is a slice of the shared budget; the WriteBufferManager flushes
  // the largest once the total is reached.
  cf.write_buffer_size =
      std::clamp<uint64_t>(options.write_buffer_bytes / 4, 1ull << 20, 64ull << 20);
  cf.max_write_buffer_number = 2;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.compression = BestCompression();
  cf.bottommost_compression = BestCompression();
  return cf;
}

rocksdb::WriteOptions MakeWriteOptions(const StoreOptions& options) {
  rocksdb::WriteOptions w;
  w.disableWAL = false;  // the WAL is what makes an acknowledged write survive a crash
  w.sync = options.sync_writes;
  return w;
}

rocksdb::CompactRangeOptions MakeDropCompactionOptions() {
  rocksdb::CompactRangeOptions compact;
  // The bottom level too (the TTL filter and tombstones only drop there for good), but not the
  // files this compaction has just written there: with kForce, RocksDB 7.8 merges L0 into the
  // bottom level and then rewrites the whole bottom level once more. Measured on eviction's
  // full-namespace compactions (docs/benchmarks-eviction.md): 13.3 -> 7.5 s for the same 30.
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  compact.exclusive_manual_compaction = false;  // RocksDB's own compactions go on meanwhile
  return compact;
}

}  // namespace apicached
