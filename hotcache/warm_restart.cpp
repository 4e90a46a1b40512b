#include "hotcache/warm_restart.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace apicached {
namespace {

constexpr size_t kMaxChunkBytes = 256 << 10;
constexpr size_t kChunksPerBatch = 4;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool HotTierServes(std::string_view ns) {
  if (IsInternalNamespace(ns)) return ns != kHotSetNamespace;
  return ValidateNamespaceName(ns).ok();
}

WarmRestart::WarmRestart(HotCache& cache, Store& store) : cache_(cache), store_(store) {
  if (cache_.options().hot_set_period_seconds > 0) {
    recorder_ = std::thread([this] { RecorderLoop(); });
  }
}

WarmRestart::~WarmRestart() {
  (void)Stop();
}

Status WarmRestart::Stop() {
  {
    std::lock_guard lock(thread_mu_);
    if (stop_) return Status::Ok();
    stop_ = true;
  }
  thread_cv_.notify_all();
  if (recorder_.joinable()) recorder_.join();
  if (warmup_.joinable()) warmup_.join();
  return SaveHotSet();
}

bool WarmRestart::Stopping() {
  std::lock_guard lock(thread_mu_);
  return stop_;
}

void WarmRestart::AddFigures(HotFigures& f) const {
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
}

Status WarmRestart::SaveHotSet() {
  std::lock_guard lock(save_mu_);
  // A warm-up that has not finished holds only part of the recorded set: keep the old record.
  if (warmup_state_.load() == WarmupState::kRunning) return Status::Ok();
  const HotCacheOptions& o = cache_.options();
  const hot_set::KeyList keys = cache_.HotKeys(o.hot_set_max_keys, o.hot_set_max_bytes);
  if (keys.empty()) return Status::Ok();

  std::optional<hot_set::Index> old;
  Result<Entry> index_entry = store_.Get(kHotSetNamespace, hot_set::kIndexKey);
  if (index_entry.ok()) {
    old = hot_set::DecodeIndex(index_entry->value);
  } else if (index_entry.code() != Code::kNotFound) {
    return index_entry.status();
  }
  const hot_set::Index index{
      .generation = old.has_value() ? old->generation + 1 : 1, .chunks = 0, .keys = keys.size()};
  const size_t chunk_bytes = std::min<uint64_t>(
      kMaxChunkBytes, std::max<uint64_t>(store_.options().max_value_bytes / 2, 4096));
  std::vector<std::string> chunks = hot_set::EncodeChunks(keys, chunk_bytes);

  // Chunks first, in batches; the index that makes them current last, in one write.
  std::vector<PutItem> batch;
  for (size_t i = 0; i < chunks.size(); ++i) {
    batch.push_back({.key = hot_set::ChunkKey(index.generation, i),
                     .value = std::move(chunks[i]),
                     .content_type = "",
                     .ttl_seconds = 0});
    if (batch.size() == kChunksPerBatch || i + 1 == chunks.size()) {
      auto written = store_.MultiPut(kHotSetNamespace, batch);
      if (!written.ok()) return written.status();
      batch.clear();
    }
  }
  hot_set::Index done = index;
  done.chunks = chunks.size();
  auto put = store_.Put(kHotSetNamespace, hot_set::kIndexKey, hot_set::EncodeIndex(done), "", 0);
  if (!put.ok()) return put.status();
  // Drop the previous generation. Chunks a crashed attempt left under this generation were
  // overwritten above or go with the next record.
  if (old.has_value()) {
    auto deleted =
        store_.DeletePrefix(kHotSetNamespace, hot_set::GenerationPrefix(old->generation));
    if (!deleted.ok()) return deleted.status();
  }
  hot_set_keys_recorded_.store(keys.size());
  hot_set_records_.fetch_add(1);
  NotifyProgress();
  return Status::Ok();
}

void WarmRestart::NotifyProgress() {
  { std::lock_guard lock(progress_mu_); }  // a waiter between its check and its wait sees it
  progress_cv_.notify_all();
}

bool WarmRestart::WaitForWarmup(std::chrono::milliseconds timeout) {
  std::unique_lock lock(progress_mu_);
  return progress_cv_.wait_for(lock, timeout, [this] {
    const WarmupState state = warmup_state_.load();
    return state == WarmupState::kDone || state == WarmupState::kFailed;
  });
}

bool WarmRestart::WaitForRecordsAfter(uint64_t records, std::chrono::milliseconds timeout) {
  std::unique_lock lock(progress_mu_);
  return progress_cv_.wait_for(lock, timeout, [&] { return hot_set_records_.load() > records; });
}

void WarmRestart::RecorderLoop() {
  const auto period = std::chrono::seconds(cache_.options().hot_set_period_seconds);
  std::unique_lock lock(thread_mu_);
  while (!thread_cv_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    if (!SaveHotSet().ok()) hot_set_record_errors_.fetch_add(1);
    lock.lock();
  }
}

Status WarmRestart::LoadHotSet(hot_set::KeyList* keys) {
  Result<Entry> index_entry = store_.Get(kHotSetNamespace, hot_set::kIndexKey);
  if (index_entry.code() == Code::kNotFound) return Status::Ok();
  if (!index_entry.ok()) return index_entry.status();
  const std::optional<hot_set::Index> index = hot_set::DecodeIndex(index_entry->value);
  if (!index.has_value()) return Status::Internal("hot-set index is malformed");
  std::vector<std::string> chunk_keys;
  for (uint64_t i = 0; i < index->chunks; ++i) {
    chunk_keys.push_back(hot_set::ChunkKey(index->generation, i));
  }
  auto chunks = store_.MultiGet(kHotSetNamespace, chunk_keys);
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

void WarmRestart::StartWarmup() {
  WarmupState expected = WarmupState::kNotStarted;
  if (!warmup_state_.compare_exchange_strong(expected, WarmupState::kRunning)) return;
  warmup_start_ns_.store(SteadyNanos());
  warmup_ = std::thread([this] { WarmupLoop(); });
}

void WarmRestart::WarmupLoop() {
  hot_set::KeyList keys;
  std::string error;  // the first failure, if any
  if (Status loaded = LoadHotSet(&keys); !loaded.ok()) {
    hot_set_record_errors_.fetch_add(1);
    // A damaged chunk costs only its keys; a record that gave nothing at all fails the warm-up.
    if (keys.empty()) error = "reading the hot-set record: " + loaded.ToString();
  }
  const size_t batch_keys = std::max<uint32_t>(1, cache_.options().warmup_batch_keys);
  // The record is most recent first; load it from the least recent end so that the LRU order
  // comes back as it was. Batches are runs of one namespace.
  size_t end = keys.size();
  while (end > 0) {
    if (Stopping()) return;  // stays kRunning: Stop() must not overwrite the record
    const std::string& ns = keys[end - 1].first;
    size_t begin = end;
    while (begin > 0 && end - begin < batch_keys && keys[begin - 1].first == ns) --begin;
    if (HotTierServes(ns)) {
      std::vector<std::string> batch;
      std::vector<HotCache::FillTicket> tickets;
      for (size_t i = end; i > begin; --i) {
        tickets.push_back(cache_.BeginFill(ns, keys[i - 1].second));
        batch.push_back(keys[i - 1].second);
      }
      auto fetched = store_.MultiGet(ns, batch);
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
    NotifyProgress();
    return;
  }
  warmup_state_.store(WarmupState::kDone);
  NotifyProgress();
}

}  // namespace apicached
