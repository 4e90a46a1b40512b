// The /v1/admin routes: maintenance on demand and backups.
//
//   POST /v1/admin/compact[?ns=NS]  runs the maintenance job now (StoreAdmin::RunMaintenance on NS,
//                                   or on every namespace, plus the extra steps the daemon adds,
//                                   e.g. pruning old statistics) and answers its report:
//                                   {"namespaces_checked", "namespaces_compacted",
//                                    "expired_dropped", "seconds"}
//   POST /v1/admin/checkpoint       writes a consistent RocksDB checkpoint (StoreAdmin::Checkpoint)
//                                   into <backup_dir>/checkpoint-YYYYMMDDTHHMMSSmmmZ and answers
//                                   {"path", "seconds"}; 409 when no backup dir is configured.
//                                   The directory opens as a data dir (--data-dir PATH).
// Both are protected by the bearer token like every non-public route; both block the calling
// I/O thread until done.
//
// Thread safety: as Router handlers. The store and the clock must outlive the Router.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/router.h"
#include "storage/clock.h"
#include "storage/store_admin.h"

namespace apicached::http {

struct AdminOptions {
  // Directory holding the checkpoints (created, mode 0700, when missing). Empty: refused.
  std::string backup_dir;
  // Extra maintenance after StoreAdmin::RunMaintenance (e.g. pruning old daily statistics); its
  // error fails the request. May be empty.
  std::function<Status()> extra_maintenance;
};

// The checkpoint names take their time from clock.
void AddAdminRoutes(Router& router, StoreAdmin& store, const Clock& clock, AdminOptions options);

}  // namespace apicached::http
