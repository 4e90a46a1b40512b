// RocksStore: the operations on whole namespaces (clear, drop, figures). The namespace lifecycle
// itself (creation, drop, registry) is NamespaceRegistry's.
#include <shared_mutex>

#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

Status RocksStore::ClearNamespace(std::string_view ns) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::Ok();
  // Every key is at most max_key_bytes long, so this end is above all of them.
  const std::string end(options_.max_key_bytes + 1, '\xff');
  rocksdb::Status s = Flushed(db_->DeleteRange(write_options_, n->handle, rocksdb::Slice(), end));
  if (!s.ok()) return FromRocks(s, "clearing namespace '" + std::string(ns) + "'");
  uint64_t estimate = 0;
  db_->GetIntProperty(n->handle, rocksdb::DB::Properties::kEstimateNumKeys, &estimate);
  n->NoteClear(estimate);
  n->cleared = true;
  maintenance_->Wake();
  return Status::Ok();
}

Result<bool> RocksStore::DropNamespace(std::string_view ns) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  return registry_.Drop(ns);
}

NamespaceFigures RocksStore::Figures(Namespace& ns) {
  NamespaceFigures f;
  f.name = ns.name;
  {
    std::shared_lock estimate_lock(ns.clear_compaction_mu);  // see Namespace
    uint64_t estimate = 0;
    db_->GetIntProperty(ns.handle, rocksdb::DB::Properties::kEstimateNumKeys, &estimate);
    f.approx_live_keys = ns.LiveKeysEstimate(estimate);
  }
  db_->GetIntProperty(ns.handle, rocksdb::DB::Properties::kLiveSstFilesSize, &f.disk_bytes);
  f.expired_dropped = ns.expired_dropped->load();
  f.expired_reads = ns.expired_reads.load();
  f.compactions = resources_.compactions->Completed(ns.handle->GetName()) - ns.compactions_base;
  f.default_ttl_seconds = DefaultTtlSeconds(ns.name);
  return f;
}

Result<std::vector<NamespaceFigures>> RocksStore::ListNamespaces() {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  std::vector<NamespaceFigures> out;
  for (const std::string& name : registry_.Names()) {
    if (IsInternalNamespace(name)) continue;
    if (NamespaceRef n = registry_.Find(name)) out.push_back(Figures(*n));  // unless dropped
  }
  return out;
}

Result<uint64_t> RocksStore::InternalDiskBytes() {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  uint64_t total = 0;
  for (const std::string& name : registry_.Names()) {
    if (!IsInternalNamespace(name)) continue;
    if (NamespaceRef n = registry_.Find(name)) {
      uint64_t bytes = 0;
      db_->GetIntProperty(n->handle, rocksdb::DB::Properties::kLiveSstFilesSize, &bytes);
      total += bytes;
    }
  }
  return total;
}

Result<NamespaceFigures> RocksStore::GetNamespace(std::string_view ns) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::NotFound("namespace '" + std::string(ns) + "' does not exist");
  return Figures(*n);
}

bool RocksStore::WritesWithoutWaiting(std::string_view ns) {
  return !closed_.load(std::memory_order_acquire) && static_cast<bool>(registry_.Find(ns));
}

}  // namespace apicached
