// RocksStore::CompactNamespace (StoreAdmin): the compaction eviction needs so that deleted
// entries leave the disk (evict/evicting_store.h).
#include <vector>

#include "storage/rocks_options.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

Status RocksStore::CompactNamespace(std::string_view ns) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::Ok();
  // Every other namespace's memtable first: one with an unflushed write (the health probe's,
  // the statistics') keeps every WAL file since that write on disk, which on a small disk is
  // what fills it; eviction compacts because it needs the space back.
  std::vector<NamespaceRef> others;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (const std::string& name : registry_.Names()) {
    if (name == ns) continue;
    if (NamespaceRef other = registry_.Find(name)) {
      handles.push_back(other->handle);
      others.push_back(std::move(other));
    }
  }
  if (!handles.empty()) {
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    if (Status s = FromRocks(db_->Flush(flush, handles), "flushing before a compaction"); !s.ok()) {
      return s;
    }
  }
  others.clear();
  const rocksdb::CompactRangeOptions compact = MakeDropCompactionOptions();
  return FromRocks(db_->CompactRange(compact, n->handle, nullptr, nullptr),
                   "compacting namespace '" + std::string(ns) + "'");
}

}  // namespace apicached
