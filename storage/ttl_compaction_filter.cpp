#include "storage/ttl_compaction_filter.h"

#include <string_view>

#include "storage/entry_codec.h"

namespace apicached {

rocksdb::CompactionFilter::Decision TtlCompactionFilter::FilterV2(
    int /*level*/, const rocksdb::Slice& /*key*/, ValueType value_type,
    const rocksdb::Slice& existing_value, std::string* /*new_value*/,
    std::string* /*skip_until*/) const {
  if (value_type != ValueType::kValue) return Decision::kKeep;
  const Result<int64_t> expires_ms =
      DecodeExpiry(std::string_view(existing_value.data(), existing_value.size()));
  if (!expires_ms.ok() || !IsExpired(*expires_ms, now_ms_)) return Decision::kKeep;
  dropped_.fetch_add(1, std::memory_order_relaxed);
  return Decision::kRemove;
}

std::unique_ptr<rocksdb::CompactionFilter> TtlCompactionFilterFactory::CreateCompactionFilter(
    const rocksdb::CompactionFilter::Context& /*context*/) {
  return std::make_unique<TtlCompactionFilter>(clock_, *dropped_);
}

}  // namespace apicached
