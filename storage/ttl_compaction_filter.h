// Drops expired entries during compaction. Private to storage/.
//
// Stateless: it decodes only the fixed-width expiry header (entry_codec.h), asks the injected
// Clock for "now" and never reads the database. A removed entry becomes a tombstone inside the
// compaction, so an older version of the key underneath cannot come back. Values it cannot
// decode are kept (the read path reports them).
//
// Thread safety: RocksDB creates one filter per compaction; the factory and the shared counter
// may be used from any thread.
#pragma once

#include <rocksdb/compaction_filter.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "storage/clock.h"

namespace apicached {

class TtlCompactionFilter final : public rocksdb::CompactionFilter {
 public:
  TtlCompactionFilter(const Clock& clock, std::atomic<uint64_t>& dropped)
      : now_ms_(clock.NowMillis()), dropped_(dropped) {}

  Decision FilterV2(int level, const rocksdb::Slice& key, ValueType value_type,
                    const rocksdb::Slice& existing_value, std::string* new_value,
                    std::string* skip_until) const override;
  const char* Name() const override { return "apicached.TtlCompactionFilter"; }

 private:
  const int64_t now_ms_;  // one instant per compaction keeps its decisions consistent
  std::atomic<uint64_t>& dropped_;
};

// One per namespace; counts the entries its filters dropped into *dropped.
class TtlCompactionFilterFactory final : public rocksdb::CompactionFilterFactory {
 public:
  TtlCompactionFilterFactory(const Clock& clock, std::shared_ptr<std::atomic<uint64_t>> dropped)
      : clock_(clock), dropped_(std::move(dropped)) {}

  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& context) override;
  const char* Name() const override { return "apicached.TtlCompactionFilterFactory"; }

 private:
  const Clock& clock_;
  std::shared_ptr<std::atomic<uint64_t>> dropped_;
};

}  // namespace apicached
