// StatsBook: cache hits and misses per namespace and per UTC day, kept in the store so that they
// survive restarts, answered in the seed's get_statistics() shape (GET /v1/stats).
//
// Recording is cheap (an atomic add on a per-day, per-namespace counter found under a shared
// lock). The counts are added to the store by Flush(): periodically from a background thread
// (StatsBookOptions::flush_period_seconds) and once more by Stop(). Lookups not flushed yet are
// counted in Snapshot() too, so figures never lag. A crash loses at most one flush period.
//
// Storage layout: internal namespace ".stats", one entry per day and namespace, key
// "YYYY-MM-DD/<namespace>", value JSON {"hits":H,"misses":M,"keys":K}. Flush() adds to it with
// Store::Mutate, so the counts of every flush add up. keys is the namespace's live key estimate
// at the last flush of that day. Entries carry a TTL of retention_days + 1 days; Prune() (run by
// every Flush) deletes the days older than the retention window.
//
// Days are UTC dates taken from the injected Clock.
//
// Thread safety: every method may be called concurrently from any thread. The store and the
// clock must outlive the StatsBook.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>

#include "storage/clock.h"
#include "storage/status.h"
#include "storage/store.h"

namespace apicached {

struct StatsBookOptions {
  uint32_t retention_days = 30;  // days kept, today included; 0 is treated as 1
  // Period of the background flush. 0 turns the thread off (tests call Flush() themselves).
  uint32_t flush_period_seconds = 10;
  // Distinct namespaces recorded per day before new ones are counted under "(other)". Keeps a
  // client asking for many made-up namespaces from filling the store.
  size_t max_namespaces_per_day = 1024;
};

// One namespace's figures for one day.
struct NamespaceStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t keys = 0;
};

// The seed's get_statistics() figures for one day.
struct DayStats {
  std::string date;       // "YYYY-MM-DD"
  std::string timestamp;  // when the figures were taken, "YYYY-MM-DD HH:MM:SS" UTC
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t total_keys = 0;
  std::map<std::string, NamespaceStats> namespaces;  // service_breakdown, by name
};

// hits / (hits + misses) as a percentage rounded to one decimal; 0.0 when there were none.
double HitRatePercent(uint64_t hits, uint64_t misses);

// {hits, misses, hit_rate, total_keys, service_breakdown: {ns: {hits, misses, hit_rate, keys}},
// timestamp, date} as JSON text.
std::string DayStatsToJson(const DayStats& stats);

// "YYYY-MM-DD" of the UTC day holding unix_ms.
std::string UtcDate(int64_t unix_ms);
// "YYYY-MM-DD HH:MM:SS" in UTC.
std::string UtcTimestamp(int64_t unix_ms);
// The UTC day number (days since 1970-01-01) of a "YYYY-MM-DD" date; InvalidArgument when the
// text is not exactly that shape or not a real calendar date.
Result<int64_t> ParseUtcDate(std::string_view date);

class StatsBook {
 public:
  static constexpr std::string_view kNamespace = ".stats";
  static constexpr std::string_view kOtherNamespace = "(other)";

  // Starts the background flush thread unless options.flush_period_seconds is 0.
  StatsBook(Store& store, const Clock& clock, StatsBookOptions options = {});
  // Calls Stop().
  ~StatsBook();
  StatsBook(const StatsBook&) = delete;
  StatsBook& operator=(const StatsBook&) = delete;

  // Counts lookups on namespace ns today (the hits and misses of one request). Never blocks on
  // the store.
  void Record(std::string_view ns, uint64_t hits, uint64_t misses);
  // One lookup: a hit or a miss.
  void Record(std::string_view ns, bool hit) { Record(ns, hit ? 1 : 0, hit ? 0 : 1); }

  // Adds every count not yet flushed to the store, then prunes old days. Counts the store
  // refuses stay pending for the next flush; the first error is returned (Unavailable when the
  // store cannot write).
  Status Flush();

  // Deletes the stored days older than the retention window (today - retention_days + 1).
  Status Prune();

  // Forgets every count, stored and pending, of every day.
  Status Reset();

  // The figures of date ("YYYY-MM-DD"; nullopt: today). Today's figures are the stored counts
  // plus the pending ones, and keys are the store's live estimates now (every user namespace is
  // listed). A past day's keys are those recorded at its last flush. A day with no figures
  // (also one outside the retention window or in the future) answers zeros and an empty
  // breakdown. InvalidArgument on a malformed date; Unavailable when the store cannot read.
  Result<DayStats> Snapshot(std::optional<std::string_view> date = std::nullopt);

  // Stops the background thread and flushes a last time. Idempotent. Returns the flush's status.
  Status Stop();

 private:
  struct Counters;
  using DayCounters = std::map<std::string, std::unique_ptr<Counters>, std::less<>>;

  Status FlushDay(int64_t day, DayCounters& counters,
                  const std::map<std::string, uint64_t, std::less<>>& keys);
  Status AddStored(int64_t day, DayStats& stats);
  void FlushLoop();

  Store& store_;
  const Clock& clock_;
  const StatsBookOptions options_;

  // Pending counts by UTC day number, then namespace.
  std::shared_mutex pending_mutex_;
  std::map<int64_t, DayCounters> pending_;
  // Bumped (under pending_mutex_, exclusive) whenever counters of pending_ are freed: a counter
  // a thread remembers from Record is used only while the epoch it saw is current.
  uint64_t epoch_ = 0;
  const uint64_t id_;  // unique per book in the process (the per-thread memory of Record)

  std::mutex flush_mutex_;  // one Flush / Reset / Prune at a time

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mutex_
  bool stopped_ = false;   // guarded by stop_mutex_
  std::thread flusher_;
};

}  // namespace apicached
