// RocksStore: the administration (StoreAdmin): checkpoints, the health check, the expired-entry
// check.
#include <rocksdb/utilities/checkpoint.h>

#include <mutex>

#include "storage/expiry_reclaimer.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

namespace {

constexpr char kHealthNamespace[] = ".health";

}  // namespace

Status RocksStore::Checkpoint(const std::string& dir) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  rocksdb::Checkpoint* raw = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (!s.ok()) return FromRocks(s, "preparing a checkpoint");
  return FromRocks(checkpoint->CreateCheckpoint(dir), "writing a checkpoint into " + dir);
}

Status RocksStore::CheckHealth() {
  {
    auto hold = Enter();
    if (!hold.ok()) return hold.status();
    uint64_t stopped = 0;
    if (db_->GetIntProperty(rocksdb::DB::Properties::kIsWriteStopped, &stopped) && stopped != 0) {
      return Status::Unavailable("writes are stopped (too many pending flushes or compactions)");
    }
    if (resources_.error_watch->stopped()) {
      return Status::Unavailable("the database stopped writing after an error: " +
                                 resources_.error_watch->error());
    }
  }
  {
    std::lock_guard lock(maintenance_mu_);
    if (!maintenance_error_.ok()) {
      return Status::Unavailable("the background expiry check failed: " +
                                 maintenance_error_.ToString());
    }
  }
  auto probe = Put(kHealthNamespace, "probe", "", "", 0);
  if (!probe.ok())
    return Status::Unavailable("health probe write failed: " + probe.status().message());
  auto deleted = Delete(kHealthNamespace, "probe");
  if (!deleted.ok()) {
    return Status::Unavailable("health probe delete failed: " + deleted.status().message());
  }
  return Status::Ok();
}

Result<MaintenanceReport> RocksStore::RunMaintenance(std::string_view ns) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  std::vector<std::string> targets;
  if (ns.empty()) {
    targets = registry_.Names();
  } else {
    if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
    if (!registry_.Find(ns)) {
      return Status::NotFound("namespace '" + std::string(ns) + "' does not exist");
    }
    targets.emplace_back(ns);
  }
  MaintenanceReport report{.runs = 1};
  Status failed;
  for (const std::string& name : targets) {
    // One namespace held at a time: a DropNamespace waits for at most one check.
    NamespaceRef n = registry_.Find(name);
    if (!n) continue;  // dropped meanwhile
    auto result =
        ReclaimExpired(*db_, *n, clock_.NowMillis(), options_.expired_fraction_to_compact);
    if (!result.ok()) {
      failed = result.status();
      break;
    }
    ++report.namespaces_checked;
    if (result->compacted) ++report.namespaces_compacted;
    report.expired_dropped += result->expired_dropped;
  }
  // The background thread runs through here too, so the totals see every run.
  maintenance_checked_ += report.namespaces_checked;
  maintenance_compacted_ += report.namespaces_compacted;
  maintenance_dropped_ += report.expired_dropped;
  ++maintenance_runs_;
  if (!failed.ok()) return failed;
  return report;
}

MaintenanceReport RocksStore::MaintenanceTotals() const {
  return {.runs = maintenance_runs_.load(),
          .namespaces_checked = maintenance_checked_.load(),
          .namespaces_compacted = maintenance_compacted_.load(),
          .expired_dropped = maintenance_dropped_.load()};
}

void RocksStore::BackgroundMaintenance() {
  Result<MaintenanceReport> report = RunMaintenance("");
  if (!report.ok() && closed_.load()) return;  // Close aborted it
  // Kept for CheckHealth so that a failing background check is not silent.
  std::lock_guard lock(maintenance_mu_);
  maintenance_error_ = report.ok() ? Status::Ok() : report.status();
}

}  // namespace apicached
