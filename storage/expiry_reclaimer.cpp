#include "storage/expiry_reclaimer.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "storage/expiry_properties_collector.h"
#include "storage/rocks_options.h"
#include "storage/rocks_status.h"

namespace apicached {

namespace {

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Key ranges of the files worth compacting, overlapping ranges merged.
Result<std::vector<std::pair<std::string, std::string>>> RangesToCompact(rocksdb::DB& db,
                                                                         Namespace& ns,
                                                                         int64_t now_ms,
                                                                         double fraction) {
  rocksdb::TablePropertiesCollection props;
  rocksdb::Status s = db.GetPropertiesOfAllTables(ns.handle, &props);
  if (!s.ok()) return FromRocks(s, "reading file properties of namespace '" + ns.name + "'");
  std::map<std::string, ExpiryProfile> profiles;
  for (const auto& [path, table] : props) {
    profiles.emplace(BaseName(path), ParseExpiryProfile(table->user_collected_properties));
  }
  rocksdb::ColumnFamilyMetaData meta;
  db.GetColumnFamilyMetaData(ns.handle, &meta);
  std::vector<std::pair<std::string, std::string>> ranges;
  for (const auto& level : meta.levels) {
    for (const auto& file : level.files) {
      auto it = profiles.find(BaseName(file.relative_filename));
      if (it == profiles.end() || it->second.ReclaimableFraction(now_ms) < fraction) continue;
      ranges.emplace_back(file.smallestkey, file.largestkey);
    }
  }
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<std::string, std::string>> merged;
  for (auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(std::move(r));
    }
  }
  return merged;
}

}  // namespace

Result<ReclaimResult> ReclaimExpired(rocksdb::DB& db, Namespace& ns, int64_t now_ms,
                                     double expired_fraction_to_compact) {
  const uint64_t dropped_before = ns.expired_dropped->load();
  const rocksdb::CompactRangeOptions compact = MakeDropCompactionOptions();
  ReclaimResult result;
  const std::string what = "compacting namespace '" + ns.name + "'";
  if (ns.cleared.exchange(false)) {
    std::unique_lock estimate_lock(ns.clear_compaction_mu);  // see Namespace
    const uint64_t clears = ns.clears();  // after the exchange: this compaction covers them
    rocksdb::Status s = db.CompactRange(compact, ns.handle, nullptr, nullptr);
    if (!s.ok()) {
      ns.cleared = true;  // try again next time
      return FromRocks(s, what);
    }
    ns.NoteClearCompacted(clears);
    result.compacted = true;
  } else {
    auto ranges = RangesToCompact(db, ns, now_ms, expired_fraction_to_compact);
    if (!ranges.ok()) return ranges.status();
    for (const auto& [begin, end] : *ranges) {
      rocksdb::Slice b(begin), e(end);
      rocksdb::Status s = db.CompactRange(compact, ns.handle, &b, &e);
      if (!s.ok()) return FromRocks(s, what);
      result.compacted = true;
    }
  }
  result.expired_dropped = ns.expired_dropped->load() - dropped_before;
  return result;
}

}  // namespace apicached
