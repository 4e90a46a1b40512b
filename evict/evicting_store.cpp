#include "evict/evicting_store.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace apicached {
namespace {

constexpr uint64_t kProbeEveryBytes = 1 << 20;  // statvfs at most once per MiB written

// Bytes written between two checks: the option, and at most a twentieth of the global limit.
uint64_t CheckEveryBytes(const EvictionOptions& options, const EvictionLimits& limits) {
  if (limits.max_disk_bytes == 0) return options.check_every_bytes;
  return std::max<uint64_t>(1, std::min(options.check_every_bytes, limits.max_disk_bytes / 20));
}

}  // namespace

std::string_view EvictionReasonName(EvictionReason reason) {
  switch (reason) {
    case EvictionReason::kQuota:
      return "quota";
    case EvictionReason::kDisk:
      return "disk";
    case EvictionReason::kExpired:
      return "expired";
  }
  return "unknown";
}

EvictingStore::EvictingStore(std::unique_ptr<Store> inner, EvictionOptions options)
    : inner_(std::move(inner)),
      options_(std::move(options)),
      limits_(options_.limits),
      min_free_disk_bytes_(options_.limits.min_free_disk_bytes),
      check_every_bytes_(CheckEveryBytes(options_, options_.limits)) {}

EvictingStore::~EvictingStore() {
  (void)Close();
}

void EvictingStore::Start() {
  if (options_.period_ms > 0) {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "apicached-evict");  // for top -H and perf
      Loop();
    });
  }
}

bool EvictingStore::Evictable(std::string_view ns) {
  return ValidateNamespaceName(ns).ok();
}

EvictingStore::Tracked* EvictingStore::Find(std::string_view ns) const {
  std::shared_lock lock(tracked_mu_);
  auto it = tracked_.find(ns);
  return it == tracked_.end() ? nullptr : it->second.get();
}

EvictingStore::Tracked& EvictingStore::FindOrAdd(std::string_view ns) {
  if (Tracked* t = Find(ns)) return *t;
  std::unique_lock lock(tracked_mu_);
  auto& slot = tracked_[std::string(ns)];
  if (!slot) slot = std::make_unique<Tracked>(options_.policy);
  return *slot;
}

uint64_t EvictingStore::EntryBytes(std::string_view key, std::string_view value,
                                   std::string_view content_type) const {
  return key.size() + value.size() + content_type.size() + options_.entry_overhead_bytes;
}

Status EvictingStore::CheckFits(std::string_view ns, uint64_t bytes) const {
  if (!Evictable(ns)) return Status::Ok();
  const uint64_t quota = QuotaOf(ns);
  if (quota == 0 || bytes <= quota) return Status::Ok();
  return Status::TooLarge("the entry takes " + std::to_string(bytes) +
                          " bytes, more than the quota of namespace '" + std::string(ns) + "' (" +
                          std::to_string(quota) + " bytes)");
}

void EvictingStore::Record(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, const EntryInfo& info) {
  if (!Evictable(ns)) return;
  Tracked& t = FindOrAdd(ns);
  const uint64_t bytes = EntryBytes(key, value, content_type);
  t.index.Write(key, info.version, bytes, info.expires_ms);
  const uint64_t written = written_since_check_.fetch_add(bytes) + bytes;
  ProbeFreeSpace(bytes);
  const uint64_t quota = QuotaOf(ns);
  if ((quota > 0 && t.index.bytes() > quota) || written >= check_every_bytes_.load()) Wake();
}

void EvictingStore::ProbeFreeSpace(uint64_t written) {
  const uint64_t floor = min_free_disk_bytes_.load();
  if (floor == 0 || !options_.free_disk_bytes) return;
  const uint64_t before = written_since_probe_.fetch_add(written);
  if (before / kProbeEveryBytes == (before + written) / kProbeEveryBytes) return;
  auto free = options_.free_disk_bytes();
  if (free.ok() && *free < floor) {
    low_space_ = true;
    Wake();
  }
}

void EvictingStore::Throttle() {
  if (!low_space_.load() || closed_.load()) return;
  ++throttled_;
  Wake();
  std::unique_lock lock(done_mu_);
  const uint64_t next = checks_done_ + 1;
  ++waiting_;  // after `next`: a check seen waiting for is one this write waits for
  if (!done_cv_.wait_for(lock, std::chrono::milliseconds(options_.throttle_wait_ms),
                         [&] { return checks_done_ >= next || closed_.load(); })) {
    ++throttle_timeouts_;
  }
  --waiting_;
}

template <typename Write>
auto EvictingStore::GuardedWrite(std::string_view ns, std::string_view key, Write write) {
  auto result = [&] {
    auto guard = guards_.Lock(ns, key);
    return write();
  }();
  Assist(ns);
  return result;
}

void EvictingStore::Assist(std::string_view ns) {
  if (!Evictable(ns)) return;
  const uint64_t quota = QuotaOf(ns);
  if (quota == 0) return;
  Tracked* t = Find(ns);
  if (t == nullptr || t->index.bytes() <= quota + LimitShare(quota, options_.assist_slack)) return;
  std::lock_guard lock(t->assist_mu);
  const uint64_t bytes = t->index.bytes();  // another writer may have evicted meanwhile
  if (bytes <= quota) return;
  EvictionReport report;
  auto evicted = EvictDownTo(ns, *t, quota, EvictionReason::kQuota, report);
  assisted_ += report.evicted;
  // A failed delete leaves the entries stored and indexed: the next check retries (and says
  // it is behind if it fails too); the write itself succeeded.
  (void)evicted;
}

void EvictingStore::Wake() {
  std::lock_guard lock(thread_mu_);
  woken_ = true;
  thread_cv_.notify_one();
}

void EvictingStore::Record(std::string_view ns, std::string_view key, const Entry& entry) {
  Record(ns, key, entry.value, entry.content_type, entry.info);
}

void EvictingStore::Forget(std::string_view ns, std::string_view key) {
  if (Tracked* t = Find(ns)) t->index.Erase(key);
}

// --- writes ---

Result<WriteOutcome> EvictingStore::Put(std::string_view ns, std::string_view key,
                                        std::string_view value, std::string_view content_type,
                                        std::optional<int64_t> ttl_seconds, uint32_t flags,
                                        bool report_replaced) {
  if (Status s = CheckFits(ns, EntryBytes(key, value, content_type)); !s.ok()) return s;
  Throttle();
  return GuardedWrite(ns, key, [&] {
    auto info = inner_->Put(ns, key, value, content_type, ttl_seconds, flags, report_replaced);
    if (info.ok()) Record(ns, key, value, content_type, *info);
    return info;
  });
}

Result<WriteOutcome> EvictingStore::Add(std::string_view ns, std::string_view key,
                                        std::string_view value, std::string_view content_type,
                                        std::optional<int64_t> ttl_seconds, uint32_t flags) {
  if (Status s = CheckFits(ns, EntryBytes(key, value, content_type)); !s.ok()) return s;
  Throttle();
  return GuardedWrite(ns, key, [&] {
    auto info = inner_->Add(ns, key, value, content_type, ttl_seconds, flags);
    if (info.ok()) Record(ns, key, value, content_type, *info);
    return info;
  });
}

Result<WriteOutcome> EvictingStore::CompareAndSet(std::string_view ns, std::string_view key,
                                                  uint64_t expected_version, std::string_view value,
                                                  std::string_view content_type,
                                                  std::optional<int64_t> ttl_seconds,
                                                  uint32_t flags) {
  if (Status s = CheckFits(ns, EntryBytes(key, value, content_type)); !s.ok()) return s;
  Throttle();
  return GuardedWrite(ns, key, [&] {
    auto info =
        inner_->CompareAndSet(ns, key, expected_version, value, content_type, ttl_seconds, flags);
    if (info.ok()) Record(ns, key, value, content_type, *info);
    return info;
  });
}

Result<EntryInfo> EvictingStore::Touch(std::string_view ns, std::string_view key,
                                       std::optional<int64_t> ttl_seconds) {
  auto guard = guards_.Lock(ns, key);
  auto info = inner_->Touch(ns, key, ttl_seconds);
  if (info.ok()) {
    if (Tracked* t = Find(ns)) t->index.SetExpiry(key, info->expires_ms);
  }
  return info;
}

Result<int64_t> EvictingStore::Incr(std::string_view ns, std::string_view key, int64_t delta,
                                    std::optional<int64_t> ttl_on_create) {
  return GuardedWrite(ns, key, [&] {
    auto result = inner_->Incr(ns, key, delta, ttl_on_create);
    if (!result.ok() || !Evictable(ns)) return result;
    // Incr does not say which version it wrote: under the guard, the entry read now is it.
    if (auto entry = inner_->Get(ns, key); entry.ok()) Record(ns, key, *entry);
    return result;
  });
}

Result<std::optional<Entry>> EvictingStore::Mutate(std::string_view ns, std::string_view key,
                                                   const MutateFn& fn) {
  auto checked = [&](const Entry* current) -> Result<Mutation> {
    Result<Mutation> m = fn(current);
    if (m.ok() && m->kind == Mutation::Kind::kPut) {
      if (Status s = CheckFits(ns, EntryBytes(key, m->value, m->content_type)); !s.ok()) return s;
    }
    return m;
  };
  Throttle();
  return GuardedWrite(ns, key, [&] {
    auto result = inner_->Mutate(ns, key, checked);
    if (result.ok()) {
      if (result->has_value()) {
        Record(ns, key, **result);
      } else {
        Forget(ns, key);
      }
    }
    return result;
  });
}

Result<std::vector<EntryInfo>> EvictingStore::MultiPut(std::string_view ns,
                                                       const std::vector<PutItem>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    const PutItem& item = items[i];
    if (Status s = CheckFits(ns, EntryBytes(item.key, item.value, item.content_type)); !s.ok()) {
      return Status(s.code(), "item " + std::to_string(i) + ": " + s.message());
    }
  }
  Throttle();
  auto infos = [&] {
    auto guards = guards_.LockMany(items, [ns](const PutItem& item) {
      return std::pair<std::string_view, std::string_view>(ns, item.key);
    });
    auto infos = inner_->MultiPut(ns, items);
    if (infos.ok()) {
      for (size_t i = 0; i < items.size(); ++i) {
        Record(ns, items[i].key, items[i].value, items[i].content_type, (*infos)[i]);
      }
    }
    return infos;
  }();
  Assist(ns);
  return infos;
}

// Deletes forget the key before the store deletes it: a write racing with the delete then
// leaves at worst an index entry without a stored entry (dropped when the policy reaches it),
// never a stored entry the index does not know (which nothing could evict).
Result<bool> EvictingStore::Delete(std::string_view ns, std::string_view key) {
  Forget(ns, key);
  return inner_->Delete(ns, key);
}

Result<std::vector<BatchWriteResult>> EvictingStore::WriteAtomically(
    const std::vector<BatchWrite>& writes) {
  for (size_t i = 0; i < writes.size(); ++i) {
    const BatchWrite& w = writes[i];
    if (w.kind != BatchWrite::Kind::kPut) continue;
    if (Status s = CheckFits(w.ns, EntryBytes(w.key, w.value, w.content_type)); !s.ok()) {
      return Status(s.code(), "write " + std::to_string(i) + ": " + s.message());
    }
  }
  Throttle();
  auto results = [&] {
    auto guards = guards_.LockMany(writes, [](const BatchWrite& w) {
      return std::pair<std::string_view, std::string_view>(w.ns, w.key);
    });
    auto results = inner_->WriteAtomically(writes);
    if (results.ok()) {
      for (size_t i = 0; i < writes.size(); ++i) {
        const BatchWrite& w = writes[i];
        if (w.kind == BatchWrite::Kind::kPut) {
          Record(w.ns, w.key, w.value, w.content_type, (*results)[i].info);
        } else {
          Forget(w.ns, w.key);
        }
      }
    }
    return results;
  }();
  for (const BatchWrite& w : writes) {
    if (w.kind == BatchWrite::Kind::kPut) Assist(w.ns);
  }
  return results;
}

Result<uint64_t> EvictingStore::DeleteMany(std::string_view ns,
                                           const std::vector<std::string>& keys) {
  for (const std::string& key : keys) Forget(ns, key);
  return inner_->DeleteMany(ns, keys);
}

Status EvictingStore::DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) Forget(ns, key);
  return inner_->DeleteManyBlind(ns, keys);
}

Result<uint64_t> EvictingStore::DeletePrefix(std::string_view ns, std::string_view prefix) {
  if (Tracked* t = Find(ns); t != nullptr && !prefix.empty()) t->index.ErasePrefix(prefix);
  return inner_->DeletePrefix(ns, prefix);
}

Status EvictingStore::ClearNamespace(std::string_view ns) {
  if (Tracked* t = Find(ns)) t->index.ErasePrefix("");
  return inner_->ClearNamespace(ns);
}

Result<bool> EvictingStore::DropNamespace(std::string_view ns) {
  if (Tracked* t = Find(ns)) t->index.ErasePrefix("");
  return inner_->DropNamespace(ns);
}

// --- reads ---

Result<Entry> EvictingStore::Get(std::string_view ns, std::string_view key) {
  auto entry = inner_->Get(ns, key);
  if (entry.ok()) {
    if (Tracked* t = Find(ns)) t->index.Read(key);
  }
  return entry;
}

Result<std::vector<std::optional<Entry>>> EvictingStore::MultiGet(
    std::string_view ns, const std::vector<std::string>& keys) {
  auto entries = inner_->MultiGet(ns, keys);
  if (entries.ok()) {
    if (Tracked* t = Find(ns)) {
      for (size_t i = 0; i < keys.size(); ++i) {
        if ((*entries)[i].has_value()) t->index.Read(keys[i]);
      }
    }
  }
  return entries;
}

Result<ScanPage> EvictingStore::Scan(std::string_view ns, std::string_view prefix,
                                     std::optional<std::string> start_after, size_t limit) {
  return inner_->Scan(ns, prefix, std::move(start_after), limit);
}

// --- figures ---

void EvictingStore::Fill(NamespaceFigures& f) {
  f.quota_bytes = QuotaOf(f.name);
  f.used_bytes = f.disk_bytes;
  if (Tracked* t = Find(f.name)) {
    f.used_bytes = std::max<uint64_t>(f.disk_bytes, t->index.bytes());
    f.evicted_quota = t->evicted[static_cast<int>(EvictionReason::kQuota)].load();
    f.evicted_disk = t->evicted[static_cast<int>(EvictionReason::kDisk)].load();
    f.evicted_expired = t->evicted[static_cast<int>(EvictionReason::kExpired)].load();
  }
}

Result<std::vector<NamespaceFigures>> EvictingStore::ListNamespaces() {
  auto list = inner_->ListNamespaces();
  if (list.ok()) {
    for (NamespaceFigures& f : *list) Fill(f);
  }
  return list;
}

Result<NamespaceFigures> EvictingStore::GetNamespace(std::string_view ns) {
  auto f = inner_->GetNamespace(ns);
  if (f.ok()) Fill(*f);
  return f;
}

bool EvictingStore::WritesWithoutWaiting(std::string_view ns) {
  return !low_space_.load() && inner_->WritesWithoutWaiting(ns);
}

void EvictingStore::SetLimits(EvictionLimits limits) {
  {
    std::lock_guard lock(limits_mu_);
    min_free_disk_bytes_ = limits.min_free_disk_bytes;
    check_every_bytes_ = CheckEveryBytes(options_, limits);
    limits_ = std::move(limits);
  }
  Wake();
}

uint64_t EvictingStore::QuotaOf(std::string_view ns) const {
  std::lock_guard lock(limits_mu_);
  return limits_.QuotaOf(ns);
}

EvictionLimits EvictingStore::limits() const {
  std::lock_guard lock(limits_mu_);
  return limits_;
}

EvictionFigures EvictingStore::figures() const {
  const EvictionLimits l = limits();
  EvictionFigures f;
  f.max_disk_bytes = l.max_disk_bytes;
  f.min_free_disk_bytes = l.min_free_disk_bytes;
  f.used_bytes = used_bytes_.load();
  f.checks = checks_.load();
  f.work_seconds = static_cast<double>(work_ns_.load()) / 1e9;
  f.compactions = compactions_.load();
  f.compaction_seconds = static_cast<double>(compaction_ns_.load()) / 1e9;
  f.index_loaded = index_loaded_.load();
  f.internal_bytes = internal_bytes_.load();
  f.assisted_evictions = assisted_.load();
  f.throttled_writes = throttled_.load();
  f.throttle_timeouts = throttle_timeouts_.load();
  f.writes_waiting = waiting_.load();
  if (const int64_t free = free_disk_bytes_.load(); free >= 0) {
    f.free_disk_bytes = static_cast<uint64_t>(free);
  }
  std::lock_guard lock(behind_mu_);
  f.behind = behind_;
  return f;
}

void EvictingStore::Loop() {
  const auto period = std::chrono::milliseconds(options_.period_ms);
  for (;;) {
    if (!index_loaded_.load()) {
      if (Status s = LoadIndex(); !s.ok()) {
        std::lock_guard lock(behind_mu_);
        behind_ = "the eviction index could not be loaded: " + s.message();
      }
    }
    if (index_loaded_.load()) {
      const Result<EvictionReport> report = RunEviction();  // its outcome is in figures()
      if (options_.on_check) options_.on_check(report);
    }
    std::unique_lock lock(thread_mu_);
    thread_cv_.wait_for(lock, period, [this] { return woken_ || stop_; });
    if (stop_) return;
    woken_ = false;
  }
}

Status EvictingStore::Close() {
  if (closed_.exchange(true)) return inner_->Close();
  {
    std::lock_guard lock(thread_mu_);
    stop_ = true;
    thread_cv_.notify_one();
  }
  {
    std::lock_guard lock(done_mu_);  // wakes throttled writers
  }
  done_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return inner_->Close();
}

}  // namespace apicached
