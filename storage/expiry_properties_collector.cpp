#include "storage/expiry_properties_collector.h"

#include <charconv>
#include <string_view>

#include "storage/entry_codec.h"

namespace apicached {

namespace {

constexpr size_t kMaxRawBuckets = 4096;

uint64_t ParseU64(const std::string& s) {
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Merges neighbouring buckets (keeping the later end) until at most max_buckets remain, trying
// to keep counts even so the histogram stays informative where the entries are.
std::vector<std::pair<int64_t, uint64_t>> Merge(const std::map<int64_t, uint64_t>& in,
                                                size_t max_buckets) {
  uint64_t total = 0;
  for (const auto& [end, count] : in) total += count;
  const uint64_t per_bucket = total / max_buckets + 1;
  std::vector<std::pair<int64_t, uint64_t>> out;
  for (const auto& [end, count] : in) {
    if (!out.empty() && out.back().second + count <= per_bucket) {
      out.back() = {end, out.back().second + count};
    } else {
      out.emplace_back(end, count);
    }
  }
  return out;
}

}  // namespace

double ExpiryProfile::ReclaimableFraction(int64_t now_ms) const {
  const uint64_t records = entries + deletes;
  if (records == 0) return 0;
  uint64_t reclaimable = deletes;
  for (const auto& [end_ms, count] : buckets) {
    if (end_ms > now_ms) break;
    reclaimable += count;
  }
  return static_cast<double>(reclaimable) / static_cast<double>(records);
}

ExpiryProfile ParseExpiryProfile(const rocksdb::UserCollectedProperties& props) {
  ExpiryProfile profile;
  if (auto it = props.find(kEntriesProperty); it != props.end()) {
    profile.entries = ParseU64(it->second);
  }
  if (auto it = props.find(kDeletesProperty); it != props.end()) {
    profile.deletes = ParseU64(it->second);
  }
  auto it = props.find(kExpiryProperty);
  if (it == props.end()) return profile;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t colon = item.find(':');
    if (colon == std::string_view::npos) return profile;  // malformed: keep what was read
    int64_t end_ms = 0;
    uint64_t count = 0;
    std::from_chars(item.data(), item.data() + colon, end_ms);
    std::from_chars(item.data() + colon + 1, item.data() + item.size(), count);
    profile.buckets.emplace_back(end_ms, count);
  }
  return profile;
}

rocksdb::Status ExpiryPropertiesCollector::AddUserKey(const rocksdb::Slice& /*key*/,
                                                      const rocksdb::Slice& value,
                                                      rocksdb::EntryType type,
                                                      rocksdb::SequenceNumber /*seq*/,
                                                      uint64_t /*file_size*/) {
  if (type == rocksdb::kEntryDelete || type == rocksdb::kEntrySingleDelete) {
    ++deletes_;
    return rocksdb::Status::OK();
  }
  if (type != rocksdb::kEntryPut) return rocksdb::Status::OK();
  ++entries_;
  const Result<int64_t> expires_ms = DecodeExpiry(std::string_view(value.data(), value.size()));
  if (!expires_ms.ok() || *expires_ms <= 0) return rocksdb::Status::OK();
  const int64_t end_ms = (*expires_ms + 999) / 1000 * 1000;
  ++expiries_[end_ms];
  if (expiries_.size() > kMaxRawBuckets) Coarsen();
  return rocksdb::Status::OK();
}

void ExpiryPropertiesCollector::Coarsen() {
  std::map<int64_t, uint64_t> merged;
  for (const auto& [end, count] : Merge(expiries_, kMaxRawBuckets / 4)) merged[end] = count;
  expiries_ = std::move(merged);
}

rocksdb::Status ExpiryPropertiesCollector::Finish(rocksdb::UserCollectedProperties* properties) {
  *properties = GetReadableProperties();
  return rocksdb::Status::OK();
}

rocksdb::UserCollectedProperties ExpiryPropertiesCollector::GetReadableProperties() const {
  std::string histogram;
  for (const auto& [end, count] : Merge(expiries_, kBuckets)) {
    if (!histogram.empty()) histogram += ',';
    histogram += std::to_string(end) + ':' + std::to_string(count);
  }
  return {{kEntriesProperty, std::to_string(entries_)},
          {kDeletesProperty, std::to_string(deletes_)},
          {kExpiryProperty, std::move(histogram)}};
}

rocksdb::TablePropertiesCollector* ExpiryPropertiesCollectorFactory::CreateTablePropertiesCollector(
    rocksdb::TablePropertiesCollectorFactory::Context /*context*/) {
  return new ExpiryPropertiesCollector();
}

}  // namespace apicached
