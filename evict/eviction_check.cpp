// EvictingStore's eviction (evicting_store.h): the index loaded from the store at start, and the
// checks that measure every limit and evict, in batches, until each is under its low watermark.
// The Store calls that record writes and reads in the index are in evicting_store.cpp.
#include <algorithm>
#include <boost/algorithm/string/join.hpp>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "evict/evicting_store.h"

namespace apicached {
namespace {

constexpr size_t kLoadPage = 1000;  // keys per Scan page while the index loads

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// --- the index's restart ---

Status EvictingStore::LoadIndex() {
  struct Loaded {
    int64_t created_ms;
    std::string key;
    uint64_t version;
    uint64_t bytes;
    int64_t expires_ms;
  };
  auto namespaces = inner_->ListNamespaces();
  if (!namespaces.ok()) return namespaces.status();
  for (const NamespaceFigures& f : *namespaces) {
    std::vector<Loaded> loaded;
    std::optional<std::string> after;
    do {
      auto page = inner_->Scan(f.name, "", after, kLoadPage);
      if (!page.ok()) return page.status();
      for (auto& [key, entry] : page->entries) {
        loaded.push_back({entry.info.created_ms, key, entry.info.version,
                          EntryBytes(key, entry.value, entry.content_type), entry.info.expires_ms});
      }
      after = page->next_after;
    } while (after.has_value());
    // Oldest write first: the FIFO order the queues would have had.
    std::sort(loaded.begin(), loaded.end(), [](const Loaded& a, const Loaded& b) {
      return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.version < b.version;
    });
    S3Fifo& index = FindOrAdd(f.name).index;
    for (const Loaded& l : loaded) index.Load(l.key, l.version, l.bytes, l.expires_ms);
  }
  index_loaded_ = true;
  return Status::Ok();
}

// --- eviction ---

Result<uint64_t> EvictingStore::DeleteVictims(std::string_view ns, Tracked& tracked,
                                              const std::vector<Victim>& victims,
                                              EvictionReason reason) {
  if (options_.on_batch_chosen) options_.on_batch_chosen(ns, victims);
  std::vector<std::string> keys;
  std::vector<const Victim*> doomed;
  {
    auto guards = guards_.LockMany(victims, [ns](const Victim& v) {
      return std::pair<std::string_view, std::string_view>(ns, v.key);
    });
    // A key the index knows again was written after the policy chose it (its write recorded
    // itself under the guard): that newer entry stays. Any other is still the chosen version,
    // or gone: deleting it loses nothing.
    const std::vector<bool> known = tracked.index.ContainsEach(victims);
    for (size_t i = 0; i < victims.size(); ++i) {
      if (known[i]) continue;
      keys.push_back(victims[i].key);
      doomed.push_back(&victims[i]);
    }
    if (keys.empty()) return uint64_t{0};
    // No read under the guards: the victims are stored (or gone, which a tombstone does not
    // change), and a read per victim, often from the files, is what writers waited behind.
    if (Status deleted = inner_->DeleteManyBlind(ns, keys); !deleted.ok()) {
      // Not evicted: the entries stay, and so must their places in the index.
      for (const Victim* v : doomed)
        tracked.index.Load(v->key, v->version, v->bytes, v->expires_ms);
      return deleted;
    }
  }
  tracked.evicted[static_cast<int>(reason)].fetch_add(doomed.size());
  if (options_.on_evicted) {
    for (const Victim* v : doomed) options_.on_evicted(ns, *v);
  }
  return uint64_t{doomed.size()};
}

Result<uint64_t> EvictingStore::EvictDownTo(std::string_view ns, Tracked& tracked,
                                            uint64_t target_bytes, EvictionReason reason,
                                            EvictionReport& report) {
  uint64_t evicted = 0;
  while (tracked.index.bytes() > target_bytes) {
    // One hold of the index's mutex per batch: every read and write of the namespace takes it
    // too, and one that meets it held sleeps (docs/benchmarks-eviction.md, 2026-11-28).
    const std::vector<Victim> batch =
        tracked.index.EvictDownTo(target_bytes, std::max<size_t>(options_.evict_batch, 1));
    if (batch.empty()) break;
    auto deleted = DeleteVictims(ns, tracked, batch, reason);
    if (!deleted.ok()) {
      report.evicted += evicted;
      return deleted.status();
    }
    evicted += *deleted;
  }
  report.evicted += evicted;
  return evicted;
}

std::string DescribeCheck(const Result<EvictionReport>& report) {
  if (!report.ok()) return "the eviction check failed: " + report.status().message();
  const EvictionReport& r = *report;
  if (r.evicted == 0 && r.expired == 0 && r.compactions == 0 && r.over.empty()) return "";
  auto count = [](uint64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  std::string line = "evicted " + count(r.evicted, "entry", "entries") + ", dropped " +
                     std::to_string(r.expired) + " expired, compacted " +
                     count(r.compactions, "namespace", "namespaces");
  if (r.over.empty()) return line + "; within every limit";
  return line + "; still over: " + boost::algorithm::join(r.over, ", ");
}

Result<EvictionReport> EvictingStore::RunEviction() {
  if (!index_loaded_.load()) return Status::Unavailable("the eviction index is still loading");
  std::lock_guard lock(check_mu_);
  written_since_check_ = 0;
  const int64_t start = SteadyNanos();
  Result<EvictionReport> report = Check();
  work_ns_ += SteadyNanos() - start;
  ++checks_;
  std::string behind;
  if (!report.ok()) {
    behind = "the eviction check failed: " + report.status().message();
  } else if (!report->over.empty()) {
    behind = "still over after evicting: " + boost::algorithm::join(report->over, ", ");
  }
  {
    std::lock_guard behind_lock(behind_mu_);
    behind_ = std::move(behind);
  }
  // Writers held back by Throttle go on; they wait again only if the space is still short.
  const int64_t free = free_disk_bytes_.load();
  low_space_ = free >= 0 && static_cast<uint64_t>(free) < min_free_disk_bytes_.load();
  {
    std::lock_guard done_lock(done_mu_);
    ++checks_done_;
  }
  done_cv_.notify_all();
  return report;
}

Status EvictingStore::Compact(std::string_view ns, EvictionReport& report) {
  const int64_t start = SteadyNanos();
  Status s = inner_->admin().CompactNamespace(ns);
  compaction_ns_ += SteadyNanos() - start;
  if (!s.ok()) return s;
  ++compactions_;
  ++report.compactions;
  return s;
}

// One check: up to max_passes of measure -> evict -> compact, until no limit is exceeded.
Result<EvictionReport> EvictingStore::Check() {
  struct Plan {
    std::string ns;
    Tracked* tracked = nullptr;
    uint64_t disk = 0;
    uint64_t logical = 0;
    uint64_t used = 0;
    uint64_t want_quota = 0;  // bytes of usage to free for the namespace's quota
    uint64_t want_disk = 0;   // for max_disk_bytes / min_free_disk_bytes
  };
  const EvictionLimits limits = this->limits();
  const double low = options_.low_watermark;
  EvictionReport report;
  std::map<std::string, bool, std::less<>> compacted;  // namespaces compacted by this check
  for (uint32_t pass = 0; pass < options_.max_passes; ++pass) {
    report.over.clear();
    auto figures = inner_->ListNamespaces();
    if (!figures.ok()) return figures.status();
    std::vector<Plan> plans;
    uint64_t total = 0;
    for (const NamespaceFigures& f : *figures) {
      Plan p{.ns = f.name, .tracked = &FindOrAdd(f.name), .disk = f.disk_bytes};
      p.logical = p.tracked->index.bytes();
      p.used = std::max(p.disk, p.logical);
      total += p.used;
      const uint64_t quota = limits.QuotaOf(f.name);
      if (quota > 0 && p.used > quota) {
        p.want_quota = p.used - LimitShare(quota, low);
        report.over.push_back("namespace '" + f.name + "' quota (" + std::to_string(p.used) +
                              " of " + std::to_string(quota) + " bytes)");
      }
      plans.push_back(std::move(p));
    }
    // The internal namespaces take disk too: counted, never evicted (the user namespaces give
    // their share instead).
    auto internal = inner_->admin().InternalDiskBytes();
    if (!internal.ok()) return internal.status();
    internal_bytes_ = *internal;
    total += *internal;
    used_bytes_ = total;
    uint64_t want_disk = 0;
    if (limits.max_disk_bytes > 0 && total > limits.max_disk_bytes) {
      want_disk = total - LimitShare(limits.max_disk_bytes, low);
      report.over.push_back("max disk bytes (" + std::to_string(total) + " of " +
                            std::to_string(limits.max_disk_bytes) + ")");
    }
    if (limits.min_free_disk_bytes > 0 && options_.free_disk_bytes) {
      auto free = options_.free_disk_bytes();
      if (!free.ok()) return free.status();
      free_disk_bytes_ = static_cast<int64_t>(*free);
      // A compaction writes its output before it deletes its input: up to the largest
      // namespace's SST bytes again (RocksDB merges a namespace's new files into all of its
      // older ones when the keys are spread). That room is kept on top of the floor.
      uint64_t reserve = 0;
      for (const Plan& p : plans) reserve = std::max(reserve, p.disk);
      if (*free < limits.min_free_disk_bytes + reserve) {
        const uint64_t target = LimitShare(limits.min_free_disk_bytes, 1 / low) + reserve;
        // What the largest namespace gives shrinks the reserve too.
        const double largest_share = total > 0 ? static_cast<double>(reserve) / total : 0;
        want_disk = std::max(want_disk, static_cast<uint64_t>((target - std::min(target, *free)) /
                                                              (1 + largest_share)));
        report.over.push_back("min free disk bytes (" + std::to_string(*free) + " free, " +
                              std::to_string(limits.min_free_disk_bytes) + " + " +
                              std::to_string(reserve) + " for a compaction wanted)");
      }
    }
    if (report.over.empty()) return report;
    if (want_disk > 0) {
      // Every user namespace gives in proportion to what it holds after its own quota's share.
      uint64_t rest = 0;
      for (const Plan& p : plans) rest += p.used - std::min(p.used, p.want_quota);
      for (Plan& p : plans) {
        if (rest == 0) break;
        const uint64_t mine = p.used - std::min(p.used, p.want_quota);
        p.want_disk = static_cast<uint64_t>(static_cast<double>(want_disk) * mine / rest) + 1;
      }
    }
    bool progress = false;
    for (Plan& p : plans) {
      if (p.want_quota == 0 && p.want_disk == 0) continue;
      // Much more on disk than indexed: old versions and tombstones a compaction drops. Compact
      // once first rather than evict live entries for space that garbage holds.
      if (p.disk > p.logical + p.logical / 4 && !compacted[p.ns]) {
        if (Status s = Compact(p.ns, report); !s.ok()) return s;
        compacted[p.ns] = true;
        progress = true;
        continue;
      }
      for (const Victim& v : p.tracked->index.TakeExpired(inner_->clock().NowMillis())) {
        (void)v;
        ++report.expired;
        p.tracked->evicted[static_cast<int>(EvictionReason::kExpired)].fetch_add(1);
        progress = true;
      }
      // Usage is in disk bytes when the disk holds more than the index counts: scale to the
      // index's bytes, which is what evicting frees. Expired entries dropped above count too.
      const double to_logical = p.used > 0 ? static_cast<double>(p.logical) / p.used : 1.0;
      auto logical = [&](uint64_t usage) { return static_cast<uint64_t>(usage * to_logical); };
      // As targets for the index, not amounts: writers assisting meanwhile count too.
      auto target = [&](uint64_t usage) { return p.logical - std::min(p.logical, logical(usage)); };
      auto evicted =
          EvictDownTo(p.ns, *p.tracked, target(p.want_quota), EvictionReason::kQuota, report);
      if (!evicted.ok()) return evicted.status();
      progress |= *evicted > 0;
      if (p.want_disk > 0) {
        auto more = EvictDownTo(p.ns, *p.tracked, target(p.want_quota + p.want_disk),
                                EvictionReason::kDisk, report);
        if (!more.ok()) return more.status();
        progress |= *more > 0;
      }
      // Deletes free disk space only once a compaction drops what they hide; entries still in
      // the memtable need none (the flush drops them). A compaction rewrites the whole
      // namespace, so it runs only when the files are what keeps the namespace over its quota
      // (RocksDB's own compactions drop the rest in time), or for the disk limits.
      const uint64_t quota = limits.QuotaOf(p.ns);
      if (p.want_disk > 0 || (quota > 0 && p.disk > quota)) {
        if (Status s = Compact(p.ns, report); !s.ok()) return s;
        compacted[p.ns] = true;
      }
    }
    if (!progress) break;
  }
  // The last pass's measure may predate its evictions: measure once more.
  auto figures = inner_->ListNamespaces();
  if (!figures.ok()) return figures.status();
  report.over.clear();
  uint64_t total = 0;
  for (const NamespaceFigures& f : *figures) {
    Tracked* t = Find(f.name);
    const uint64_t used = std::max<uint64_t>(f.disk_bytes, t ? t->index.bytes() : 0);
    total += used;
    const uint64_t quota = limits.QuotaOf(f.name);
    if (quota > 0 && used > quota) {
      report.over.push_back("namespace '" + f.name + "' quota (" + std::to_string(used) + " of " +
                            std::to_string(quota) + " bytes)");
    }
  }
  if (auto internal = inner_->admin().InternalDiskBytes(); internal.ok()) {
    internal_bytes_ = *internal;
    total += *internal;
  }
  used_bytes_ = total;
  if (limits.max_disk_bytes > 0 && total > limits.max_disk_bytes) {
    report.over.push_back("max disk bytes (" + std::to_string(total) + " of " +
                          std::to_string(limits.max_disk_bytes) + ")");
  }
  if (limits.min_free_disk_bytes > 0 && options_.free_disk_bytes) {
    auto free = options_.free_disk_bytes();
    if (free.ok()) {
      free_disk_bytes_ = static_cast<int64_t>(*free);
      if (*free < limits.min_free_disk_bytes) {
        report.over.push_back("min free disk bytes (" + std::to_string(*free) + " free)");
      }
    }
  }
  return report;
}

}  // namespace apicached
