// The background check: finds a namespace's SST files whose entries have mostly expired (from
// the properties ExpiryPropertiesCollector wrote) and compacts their key ranges down to the
// bottom level, so the TTL filter drops those entries and the disk space comes back without new
// writes. A namespace cleared by ClearNamespace is compacted whole. Private to storage/.
//
// Thread safety: stateless; blocks until its compactions finish.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>

#include "storage/namespace_registry.h"
#include "storage/status.h"

namespace apicached {

struct ReclaimResult {
  bool compacted = false;
  uint64_t expired_dropped = 0;  // by the compactions started here
};

Result<ReclaimResult> ReclaimExpired(rocksdb::DB& db, Namespace& ns, int64_t now_ms,
                                     double expired_fraction_to_compact);

}  // namespace apicached
