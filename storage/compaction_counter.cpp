#include "storage/compaction_counter.h"

namespace apicached {

uint64_t CompactionCounter::Completed(std::string_view column_family) const {
  std::lock_guard lock(mu_);
  auto it = completed_.find(column_family);
  return it == completed_.end() ? 0 : it->second;
}

void CompactionCounter::OnCompactionCompleted(rocksdb::DB* /*db*/,
                                              const rocksdb::CompactionJobInfo& info) {
  if (!info.status.ok()) return;  // a failed or aborted compaction changed nothing
  std::lock_guard lock(mu_);
  ++completed_[info.cf_name];
}

}  // namespace apicached
