#include "hotcache/tiered_store.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "hotcache/hot_set.h"

namespace apicached {
namespace {

constexpr size_t kMaxChunkBytes = 256 << 10;
constexpr size_t kChunksPerBatch = 4;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Ends the write brackets even if the inner store throws.
class WriteBracket {
 public:
  WriteBracket(HotCache& cache, std::string_view ns, const std::vector<std::string_view>& keys)
      : cache_(cache), ns_(ns), keys_(keys) {
    for (std::string_view key : keys_) cache_.BeginKeyWrite(ns_, key);
  }
  ~WriteBracket() {
    for (std::string_view key : keys_) cache_.EndKeyWrite(ns_, key);
  }
  WriteBracket(const WriteBracket&) = delete;
  WriteBracket& operator=(const WriteBracket&) = delete;

 private:
  HotCache& cache_;
  std::string_view ns_;
  const std::vector<std::string_view>& keys_;
};

class NamespaceBracket {
 public:
  NamespaceBracket(HotCache& cache, std::string_view ns, std::string_view prefix)
      : cache_(cache), ns_(ns) {
    cache_.BeginNamespaceWrite(ns_, prefix);
  }
  ~NamespaceBracket() { cache_.EndNamespaceWrite(ns_); }
  NamespaceBracket(const NamespaceBracket&) = delete;
  NamespaceBracket& operator=(const NamespaceBracket&) = delete;

 private:
  HotCache& cache_;
  std::string_view ns_;
};

}  // namespace

TieredStore::TieredStore(std::unique_ptr<Store> inner, const HotCacheOptions& options)
    : inner_(std::move(inner)), cache_(options, inner_->clock()) {
  if (options.hot_set_period_seconds > 0) recorder_ = std::thread([this] { RecorderLoop(); });
}

TieredStore::~TieredStore() {
  (void)Close();
}

bool TieredStore::Cached(std::string_view ns) const {
  if (IsInternalNamespace(ns)) return ns != kHotSetNamespace;
  return ValidateNamespaceName(ns).ok();
}

template <typename Fn>
auto TieredStore::KeysWrite(std::string_view ns, const std::vector<std::string_view>& keys,
                            Fn&& write) {
  if (!Cached(ns)) return write();
  WriteBracket bracket(cache_, ns, keys);
  return write();
}

template <typename Fn>
auto TieredStore::KeyWrite(std::string_view ns, std::string_view key, Fn&& write) {
  return KeysWrite(ns, {key}, std::forward<Fn>(write));
}

Result<Entry> TieredStore::Get(std::string_view ns, std::string_view key) {
  if (closed_.load()) return inner_->Get(ns, key);
  if (auto hit = cache_.Lookup(ns, key)) return std::move(*hit);
  if (!Cached(ns)) return inner_->Get(ns, key);
  const HotCache::FillTicket ticket = cache_.BeginFill(ns, key);
  Result<Entry> result = inner_->Get(ns, key);
  if (result.ok()) cache_.Insert(ticket, ns, key, *result);
  return result;
}

Result<std::vector<std::optional<Entry>>> TieredStore::MultiGet(
    std::string_view ns, const std::vector<std::string>& keys) {
  if (closed_.load() || !Cached(ns)) return inner_->MultiGet(ns, keys);
  std::vector<std::optional<Entry>> out(keys.size());
  std::vector<size_t> missed;
  for (size_t i = 0; i < keys.size(); ++i) {
    out[i] = cache_.Lookup(ns, keys[i]);
    if (!out[i].has_value()) missed.push_back(i);
  }
  if (missed.empty()) return out;
  std::vector<std::string> missed_keys;
  std::vector<HotCache::FillTicket> tickets;
  missed_keys.reserve(missed.size());
  tickets.reserve(missed.size());
  for (size_t i : missed) {
    tickets.push_back(cache_.BeginFill(ns, keys[i]));
    missed_keys.push_back(keys[i]);
  }
  auto fetched = inner_->MultiGet(ns, missed_keys);
  if (!fetched.ok()) return fetched.status();
  for (size_t j = 0; j < missed.size(); ++j) {
    std::optional<Entry>& entry = (*fetched)[j];
    if (entry.has_value()) cache_.Insert(tickets[j], ns, missed_keys[j], *entry);
    out[missed[j]] = std::move(entry);
  }
  return out;
}

Result<EntryInfo> TieredStore::Put(std::string_view ns, std::string_view key,
                                   std::string_view value, std::string_view content_type,
                                   std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return KeyWrite(ns, key,
                  [&] { return inner_->Put(ns, key, value, content_type, ttl_seconds, flags); });
}

Result<bool> TieredStore::Delete(std::string_view ns, std::string_view key) {
  return KeyWrite(ns, key, [&] { return inner_->Delete(ns, key); });
}

Result<EntryInfo> TieredStore::Add(std::string_view ns, std::string_view key,
                                   std::string_view value, std::string_view content_type,
                                   std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return KeyWrite(ns, key,
                  [&] { return inner_->Add(ns, key, value, content_type, ttl_seconds, flags); });
}

Result<EntryInfo> TieredStore::CompareAndSet(std::string_view ns, std::string_view key,
                                             uint64_t expected_version, std::string_view value,
                                             std::string_view content_type,
                                             std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return KeyWrite(ns, key, [&] {
    return inner_->CompareAndSet(ns, key, expected_version, value, content_type, ttl_seconds,
                                 flags);
  });
}

Result<EntryInfo> TieredStore::Touch(std::string_view ns, std::string_view key,
                                     std::optional<int64_t> ttl_seconds) {
  return KeyWrite(ns, key, [&] { return inner_->Touch(ns, key, ttl_seconds); });
}

Result<int64_t> TieredStore::Incr(std::string_view ns, std::string_view key, int64_t delta,
                                  std::optional<int64_t> ttl_on_create) {
  return KeyWrite(ns, key, [&] { return inner_->Incr(ns, key, delta, ttl_on_create); });
}

Result<std::optional<Entry>> TieredStore::Mutate(std::string_view ns, std::string_view key,
                                                 const MutateFn& fn) {
  return KeyWrite(ns, key, [&] { return inner_->Mutate(ns, key, fn); });
}

Result<std::vector<EntryInfo>> TieredStore::MultiPut(std::string_view ns,
                                                     const std::vector<PutItem>& items) {
  std::vector<std::string_view> keys;
  keys.reserve(items.size());
  for (const PutItem& item : items) keys.emplace_back(item.key);
  return KeysWrite(ns, keys, [&] { return inner_->MultiPut(ns, items); });
}

Result<uint64_t> TieredStore::DeleteMany(std::string_view ns,
                                         const std::vector<std::string>& keys) {
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  return KeysWrite(ns, views, [&] { return inner_->DeleteMany(ns, keys); });
}

Result<uint64_t> TieredStore::DeletePrefix(std::string_view ns, std::string_view prefix) {
  if (!Cached(ns) || prefix.empty()) return inner_->DeletePrefix(ns, prefix);
  NamespaceBracket bracket(cache_, ns, prefix);
  return inner_->DeletePrefix(ns, prefix);
}

Status TieredStore::ClearNamespace(std::string_view ns) {
  if (!Cached(ns)) return inner_->ClearNamespace(ns);
  NamespaceBracket bracket(cache_, ns, "");
  return inner_->ClearNamespace(ns);
}

Result<bool> TieredStore::DropNamespace(std::string_view ns) {
  if (!Cached(ns)) return inner_->DropNamespace(ns);
  NamespaceBracket bracket(cache_, ns, "");
  return inner_->DropNamespace(ns);
}

Result<ScanPage> TieredStore::Scan(std::string_view ns, std::string_view prefix,
                                   std::optional<std::string> start_after, size_t limit) {
  return inner_->Scan(ns, prefix, std::move(start_after), limit);
}

Result<std::vector<NamespaceFigures>> TieredStore::ListNamespaces() {
  return inner_->ListNamespaces();
}

Result<NamespaceFigures> TieredStore::GetNamespace(std::string_view ns) {
  return inner_->GetNamespace(ns);
}

Result<MaintenanceReport> TieredStore::RunMaintenance(std::string_view ns) {
  return inner_->RunMaintenance(ns);
}

Status TieredStore::Checkpoint(const std::string& dir) {
  return inner_->Checkpoint(dir);
}

Status TieredStore::CheckHealth() {
  return inner_->CheckHealth();
}

void TieredStore::SetTtlDefaults(TtlDefaults defaults) {
  inner_->SetTtlDefaults(std::move(defaults));
}

Status TieredStore::Close() {
  {
    std::lock_guard lock(thread_mu_);
    if (stop_) return inner_->Close();  // already closed: idempotent
    stop_ = true;
  }
  thread_cv_.notify_all();
  if (recorder_.joinable()) recorder_.join();
  if (warmup_.joinable()) warmup_.join();
  Status saved = SaveHotSet();
  closed_.store(true);
  cache_.Clear();
  Status closed = inner_->Close();
  return closed.ok() ? saved : closed;
}

HotFigures TieredStore::hot_figures() const {
  const HotCacheStats s = cache_.stats();
  HotFigures f;
  f.hits = s.hits;
  f.misses = s.misses;
  f.evictions = s.evictions;
  f.bytes = s.bytes;
  f.entries = s.entries;
  f.capacity_bytes = cache_.capacity_bytes();
  f.warmup_keys_loaded = warmup_keys_loaded_.load();
  const WarmupState state = warmup_state_.load();
  f.warmup_done = state == WarmupState::kDone || state == WarmupState::kFailed;
  if (state == WarmupState::kFailed) f.warmup_error = warmup_error_;  // written before the state
  if (state != WarmupState::kNotStarted) {
    const int64_t end = f.warmup_done ? warmup_end_ns_.load() : SteadyNanos();
    f.warmup_seconds = static_cast<double>(end - warmup_start_ns_.load()) / 1e9;
  }
  f.hot_set_records = hot_set_records_.load();
  f.hot_set_keys_recorded = hot_set_keys_recorded_.load();
  f.hot_set_record_errors = hot_set_record_errors_.load();
  return f;
}

// ---- Warm restart ----

Status TieredStore::SaveHotSet() {
  std::lock_guard lock(save_mu_);
  // A warm-up that has not finished holds only part of the recorded set: keep the old record.
  if (warmup_state_.load() == WarmupState::kRunning) return Status::Ok();
  const HotCacheOptions& o = cache_.options();
  const hot_set::KeyList keys = cache_.HotKeys(o.hot_set_max_keys, o.hot_set_max_bytes);
  if (keys.empty()) return Status::Ok();

  std::optional<hot_set::Index> old;
  Result<Entry> index_entry = inner_->Get(kHotSetNamespace, hot_set::kIndexKey);
  if (index_entry.ok()) {
    old = hot_set::DecodeIndex(index_entry->value);
  } else if (index_entry.code() != Code::kNotFound) {
    return index_entry.status();
  }
  const hot_set::Index index{
      .generation = old.has_value() ? old->generation + 1 : 1, .chunks = 0, .keys = keys.size()};
  const size_t chunk_bytes = std::min<uint64_t>(
      kMaxChunkBytes, std::max<uint64_t>(inner_->options().max_value_bytes / 2, 4096));
  std::vector<std::string> chunks = hot_set::EncodeChunks(keys, chunk_bytes);

  // Chunks first, in batches; the index that makes them current last, in one write.
  std::vector<PutItem> batch;
  for (size_t i = 0; i < chunks.size(); ++i) {
    batch.push_back({.key = hot_set::ChunkKey(index.generation, i),
                     .value = std::move(chunks[i]),
                     .content_type = "",
                     .ttl_seconds = 0});
    if (batch.size() == kChunksPerBatch || i + 1 == chunks.size()) {
      auto written = inner_->MultiPut(kHotSetNamespace, batch);
      if (!written.ok()) return written.status();
      batch.clear();
    }
  }
  hot_set::Index done = index;
  done.chunks = chunks.size();
  auto put = inner_->Put(kHotSetNamespace, hot_set::kIndexKey, hot_set::EncodeIndex(done), "", 0);
  if (!put.ok()) return put.status();
  // Drop the previous generation. Chunks a crashed attempt left under this generation were
  // overwritten above or go with the next record.
  if (old.has_value()) {
    auto deleted =
        inner_->DeletePrefix(kHotSetNamespace, hot_set::GenerationPrefix(old->generation));
    if (!deleted.ok()) return deleted.status();
  }
  hot_set_records_.fetch_add(1);
  hot_set_keys_recorded_.store(keys.size());
  return Status::Ok();
}

void TieredStore::RecorderLoop() {
  const auto period = std::chrono::seconds(cache_.options().hot_set_period_seconds);
  std::unique_lock lock(thread_mu_);
  while (!thread_cv_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    if (!SaveHotSet().ok()) hot_set_record_errors_.fetch_add(1);
    lock.lock();
  }
}

Status TieredStore::LoadHotSet(hot_set::KeyList* keys) {
  Result<Entry> index_entry = inner_->Get(kHotSetNamespace, hot_set::kIndexKey);
  if (index_entry.code() == Code::kNotFound) return Status::Ok();
  if (!index_entry.ok()) return index_entry.status();
  const std::optional<hot_set::Index> index = hot_set::DecodeIndex(index_entry->value);
  if (!index.has_value()) return Status::Internal("hot-set index is malformed");
  std::vector<std::string> chunk_keys;
  for (uint64_t i = 0; i < index->chunks; ++i) {
    chunk_keys.push_back(hot_set::ChunkKey(index->generation, i));
  }
  auto chunks = inner_->MultiGet(kHotSetNamespace, chunk_keys);
  if (!chunks.ok()) return chunks.status();
  Status status;
  for (const std::optional<Entry>& chunk : *chunks) {
    // Best effort: a missing or damaged chunk costs its keys, not the warm-up.
    if (!chunk.has_value() || !hot_set::DecodeChunk(chunk->value, keys)) {
      status = Status::Internal("hot-set chunk missing or malformed");
    }
  }
  return status;
}

void TieredStore::StartWarmup() {
  WarmupState expected = WarmupState::kNotStarted;
  if (!warmup_state_.compare_exchange_strong(expected, WarmupState::kRunning)) return;
  warmup_start_ns_.store(SteadyNanos());
  warmup_ = std::thread([this] { WarmupLoop(); });
}

void TieredStore::WarmupLoop() {
  hot_set::KeyList keys;
  std::string error;  // the first failure, if any
  if (Status loaded = LoadHotSet(&keys); !loaded.ok()) {
    hot_set_record_errors_.fetch_add(1);
    // A damaged chunk costs only its keys; a record that gave nothing at all fails the warm-up.
    if (keys.empty()) error = "reading the hot-set record: " + loaded.ToString();
  }
  const size_t batch_keys = std::max<uint32_t>(1, cache_.options().warmup_batch_keys);
  auto stopping = [this] {
    std::lock_guard lock(thread_mu_);
    return stop_;
  };
  // The record is most recent first; load it from the least recent end so that the LRU order
  // comes back as it was. Batches are runs of one namespace.
  size_t end = keys.size();
  while (end > 0) {
    if (stopping()) return;  // stays kRunning: Close() must not overwrite the record
    const std::string& ns = keys[end - 1].first;
    size_t begin = end;
    while (begin > 0 && end - begin < batch_keys && keys[begin - 1].first == ns) --begin;
    if (Cached(ns)) {
      std::vector<std::string> batch;
      std::vector<HotCache::FillTicket> tickets;
      for (size_t i = end; i > begin; --i) {
        tickets.push_back(cache_.BeginFill(ns, keys[i - 1].second));
        batch.push_back(keys[i - 1].second);
      }
      auto fetched = inner_->MultiGet(ns, batch);
      if (fetched.ok()) {
        for (size_t j = 0; j < batch.size(); ++j) {
          const std::optional<Entry>& entry = (*fetched)[j];
          if (entry.has_value() &&
              cache_.Insert(tickets[j], ns, batch[j], *entry, /*may_evict=*/false)) {
            warmup_keys_loaded_.fetch_add(1);
          }
        }
      } else if (error.empty()) {
        error = "loading keys of namespace '" + ns + "': " + fetched.status().ToString();
      }
    }
    end = begin;
  }
  warmup_end_ns_.store(SteadyNanos());
  if (!error.empty()) {
    warmup_error_ = std::move(error);
    warmup_state_.store(WarmupState::kFailed);  // publishes warmup_error_
    return;
  }
  warmup_state_.store(WarmupState::kDone);
}

}  // namespace apicached
