// The options of apicached's store (store.h), composed by daemon/ and handed to OpenStore.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace apicached {

// TTL defaults; replaceable at run time (SIGHUP).
struct TtlDefaults {
  int64_t default_ttl_seconds = 3600;                    // the seed's "medium" tier
  std::map<std::string, int64_t> namespace_ttl_seconds;  // e.g. {"ratelimit", 60}
};

struct StoreOptions {
  std::string data_dir;                         // created if missing, mode 0700
  uint32_t max_namespaces = 256;                // user namespaces
  uint32_t max_key_bytes = 1024;                // keys are 1..max_key_bytes bytes, any bytes
  uint64_t max_value_bytes = 1 << 20;           // 1 MiB
  TtlDefaults ttl;                              //
  bool sync_writes = false;                     // fsync the WAL on every write (power-loss safe)
  uint64_t block_cache_bytes = 64ull << 20;     // shared by all namespaces
  uint64_t write_buffer_bytes = 64ull << 20;    // total memtable budget (WriteBufferManager)
  uint64_t max_total_wal_bytes = 256ull << 20;  // forces flushes past this
  // Table (SST) files RocksDB keeps open at once, over all namespaces; a file past it is
  // reopened when read. 0: no bound (every table file stays open: one descriptor per SST file).
  // The daemon derives it from RLIMIT_NOFILE (daemon/fd_budget.h).
  uint64_t max_open_files = 0;
  // RocksDB's own log goes to stderr (never a LOG file on the data disk): warnings and errors,
  // and with this also its INFO lines (flushes, compactions, options at open).
  bool engine_info_log = false;
  // Period of the built-in background check that compacts files whose entries mostly expired.
  // 0 turns the thread off (tests call RunMaintenance() themselves).
  uint32_t maintenance_period_seconds = 3600;
  double expired_fraction_to_compact = 0.5;  // compact a file once this share has expired
};

}  // namespace apicached
