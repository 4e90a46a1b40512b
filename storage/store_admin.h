// The administration of apicached's store: the expired-entry check, checkpoints, the health
// check and the TTL defaults. What operators and the daemon need; the fronts speak to Store
// (store.h), which hands this out through Store::admin().
//
// Thread safety: every method may be called concurrently from any thread, and concurrently with
// the Store's own operations. Errors as in store.h (Unavailable once the store is closed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/status.h"
#include "storage/store_options.h"

namespace apicached {

// What the expired-entry check did: one run (RunMaintenance's answer), or all runs since open
// (MaintenanceTotals).
struct MaintenanceReport {
  uint64_t runs = 0;  // 1 in a RunMaintenance answer
  uint64_t namespaces_checked = 0;
  uint64_t namespaces_compacted = 0;
  uint64_t expired_dropped = 0;  // entries dropped by the compactions these runs started
};

class StoreAdmin {
 public:
  virtual ~StoreAdmin() = default;

  // Runs the expired-entry check now on one namespace (or all when ns is empty) and compacts
  // what it finds; blocks until the compactions finish.
  virtual Result<MaintenanceReport> RunMaintenance(std::string_view ns) = 0;

  // Running totals since open of every expired-entry check, whoever started it (the background
  // thread of maintenance_period_seconds, or RunMaintenance). A run that stopped on an error
  // counts in runs, with the namespaces it had checked and compacted until then; one refused
  // before it started (bad or unknown namespace, closed store) does not count. Each field is
  // monotonic; a run in progress may show in some fields and not yet in others. Never fails,
  // also after Close (the totals then stay as they were).
  virtual MaintenanceReport MaintenanceTotals() const = 0;

  // Compacts the whole namespace now, so that what deletes and expiry left behind leaves the
  // disk (eviction needs it: a delete frees nothing on an LSM until then); blocks until done.
  // Ok, doing nothing, when the namespace does not exist. Unavailable when the database refuses
  // (also when Close interrupts it).
  virtual Status CompactNamespace(std::string_view ns) = 0;

  // SST and blob bytes of the internal ('.') namespaces together (statistics, invalid-ID lists,
  // the hot-set record, the health probe): what the eviction layer counts against the disk
  // limits but never evicts. Unavailable when the store is closed.
  virtual Result<uint64_t> InternalDiskBytes() = 0;

  // Writes a consistent, openable copy of the database into dir (must not exist yet).
  virtual Status Checkpoint(const std::string& dir) = 0;

  // Ok when the store can read and write now; Unavailable with the reason otherwise (background
  // error, write stopped, probe write failed).
  virtual Status CheckHealth() = 0;

  // Replaces the TTL defaults for writes from now on.
  virtual void SetTtlDefaults(TtlDefaults defaults) = 0;
};

}  // namespace apicached
