// WarmRestart: the hot tier's way back after a restart (detail of TieredStore; nothing outside
// hotcache/ includes it). It records the keys of the LRU in the store and loads them back.
//
// The keys of the LRU, most recent first, bounded by hot_set_max_keys and hot_set_max_bytes,
// are recorded in the store itself (internal namespace ".hotset", in chunks of at most 256 KiB
// written with their index in one atomic MultiPut) every hot_set_period_seconds by a background
// thread, by SaveHotSet() and by Stop(). StartWarmup() reads the last record back and fills the
// LRU in a background thread with batched MultiGets, through the cache's fill tickets (so a
// concurrent write always wins over warm-up data); the store answers meanwhile. Entries that
// expired while the daemon was down are not loaded. The record holds keys, never values: a key
// of a dropped namespace loads nothing (or the new incarnation's entry, read from the store like
// any fill). Records are not written while a warm-up runs, so an interrupted warm-up never
// shrinks the record.
//
// Thread safety: every method may be called concurrently from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "hotcache/hot_cache.h"
#include "hotcache/hot_figures.h"
#include "hotcache/hot_set.h"
#include "storage/store.h"

namespace apicached {

// The internal namespace holding the hot-set record.
inline constexpr std::string_view kHotSetNamespace = ".hotset";

// Whether the hot tier serves ns from RAM: valid user names and internal ones, except the
// hot-set record's.
bool HotTierServes(std::string_view ns);

class WarmRestart {
 public:
  // cache and store must outlive this object; writes go to store directly (the record's
  // namespace is never served from RAM). Starts the periodic recorder when
  // cache.options().hot_set_period_seconds > 0.
  WarmRestart(HotCache& cache, Store& store);
  ~WarmRestart();  // Stop()

  // Starts loading the last record into the cache in a background thread and returns at once.
  // Only the first call does anything.
  void StartWarmup();

  // Records the current hot set now. Ok (and writes nothing) when the LRU is empty or a warm-up
  // is running; errors of the store otherwise.
  Status SaveHotSet();

  // Stops the background threads and records the hot set a last time (its result). Later
  // calls return Ok and do nothing.
  Status Stop();

  // Fills the warm-up and record fields of f.
  void AddFigures(HotFigures& f) const;

  // Block until the warm-up has ended (done or failed), or until more than `records` hot-set
  // records have been written since start; false at the timeout. For tests, which would poll
  // AddFigures otherwise.
  bool WaitForWarmup(std::chrono::milliseconds timeout);
  bool WaitForRecordsAfter(uint64_t records, std::chrono::milliseconds timeout);

 private:
  enum class WarmupState { kNotStarted, kRunning, kDone, kFailed };

  // Wakes the Wait* callers after warmup_state_ or hot_set_records_ moved.
  void NotifyProgress();

  void RecorderLoop();
  void WarmupLoop();
  Status LoadHotSet(hot_set::KeyList* keys);  // appends
  bool Stopping();

  HotCache& cache_;
  Store& store_;

  std::mutex save_mu_;  // one record at a time

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;  // guarded by thread_mu_
  std::thread recorder_;
  std::thread warmup_;

  std::atomic<WarmupState> warmup_state_{WarmupState::kNotStarted};
  std::atomic<uint64_t> warmup_keys_loaded_{0};
  std::atomic<int64_t> warmup_start_ns_{0};  // steady_clock
  std::atomic<int64_t> warmup_end_ns_{0};
  std::string warmup_error_;  // set by the warm-up thread before warmup_state_ becomes kFailed
  std::atomic<uint64_t> hot_set_records_{0};
  std::atomic<uint64_t> hot_set_keys_recorded_{0};
  std::atomic<uint64_t> hot_set_record_errors_{0};

  std::mutex progress_mu_;  // only pairs progress_cv_ with the atomics above
  std::condition_variable progress_cv_;
};

}  // namespace apicached
