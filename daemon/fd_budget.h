// The file-descriptor budget: how the process's RLIMIT_NOFILE is shared between client
// connections (every front together) and the store, so that clients can never starve RocksDB.
//
// At start the daemon raises the soft limit to the hard one (RaiseNofileLimit), then splits it
// (ComputeFdBudget):
//
//   nofile = reserve + kStoreFixedFds + namespaces + store_max_open_files + max_connections
//
//   reserve               the process's own descriptors: stdio, the listening sockets, one epoll
//                         and one eventfd per I/O thread, timers, the systemd notify socket, the
//                         spare descriptor each listener keeps to answer 503 when accept() runs
//                         out (EMFILE), statvfs and checkpoint files (FdBudgetOptions::reserve)
//   kStoreFixedFds        what RocksDB holds besides table files: WAL files, the MANIFEST, LOCK,
//                         the directory, an OPTIONS file being written, flush and compaction
//                         outputs
//   namespaces            one per column family created while the daemon runs: RocksDB opens
//                         the data directory again for each new family and keeps it open (the
//                         families found at open share one), so the store may need as many as
//                         max-namespaces plus the internal namespaces
//   store_max_open_files  RocksDB's table cache (max_open_files): SST files kept open at once,
//                         over every namespace; a table past it is reopened on use
//   max_connections       client connections of all fronts together; the next one gets the
//                         documented "busy" answer and is closed
//
// A value given explicitly is kept; a value left at 0 is derived: the store gets a quarter of
// what is left after the reserve (64 to 8192 files), the connections the rest (at most
// kMaxDerivedConnections). Explicit values that do not fit the limit are refused.
//
// Thread safety: pure functions, except RaiseNofileLimit (process-wide setrlimit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "storage/status.h"

namespace apicached {

struct NofileLimit {
  uint64_t soft_before = 0;  // the soft limit the process started with
  uint64_t soft = 0;         // the soft limit now
  uint64_t hard = 0;
};

// The limits as they are (soft_before == soft). Unavailable when getrlimit fails.
Result<NofileLimit> CurrentNofileLimit();

// Raises the soft RLIMIT_NOFILE to the hard limit (an unlimited hard limit counts as
// kMaxNofile). Unavailable when getrlimit/setrlimit fail (the limit then stays as it was).
Result<NofileLimit> RaiseNofileLimit();

struct FdBudgetOptions {
  uint64_t reserve = 64;              // descriptors kept for the process itself (see above)
  uint64_t namespaces = 0;            // column families the store may create (see above)
  size_t max_connections = 0;         // 0: derived from the limit
  uint64_t store_max_open_files = 0;  // 0: derived from the limit
};

struct FdBudget {
  uint64_t nofile = 0;  // the soft limit the budget was computed from
  uint64_t reserve = 0;
  uint64_t store_fixed = 0;  // kStoreFixedFds + namespaces
  uint64_t store_max_open_files = 0;
  size_t max_connections = 0;
};

inline constexpr uint64_t kMaxNofile = 1 << 20;
inline constexpr uint64_t kStoreFixedFds = 32;
inline constexpr uint64_t kMinStoreOpenFiles = 16;
inline constexpr uint64_t kMaxDerivedStoreOpenFiles = 8192;
inline constexpr size_t kMaxDerivedConnections = 16384;

// The split of nofile descriptors. InvalidArgument (naming the figures and the flags to change)
// when the explicit values do not fit, or the limit leaves fewer than kMinStoreOpenFiles table
// files or no connection at all.
Result<FdBudget> ComputeFdBudget(uint64_t nofile, const FdBudgetOptions& options);

// One line for the log: "file descriptors: limit 1024 (hard 4096, raised from 1024), ...".
std::string DescribeFdBudget(const NofileLimit& limit, const FdBudget& budget);

}  // namespace apicached
