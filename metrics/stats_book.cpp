#include "metrics/stats_book.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace apicached {
namespace {

std::atomic<uint64_t> next_book_id{1};  // StatsBook::id_

constexpr int64_t kMillisPerDay = 86'400'000;
constexpr size_t kScanPage = 1000;

int64_t DayOf(int64_t unix_ms) {
  return unix_ms >= 0 ? unix_ms / kMillisPerDay : (unix_ms - kMillisPerDay + 1) / kMillisPerDay;
}

std::string DateOfDay(int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::string StatsKey(int64_t day, std::string_view ns) {
  std::string key = DateOfDay(day);
  key.append(1, '/').append(ns);
  return key;
}

// Reads a stored day record; InvalidArgument names the key when it is not what Flush writes.
Result<NamespaceStats> DecodeRecord(std::string_view key, std::string_view value) {
  const nlohmann::json json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  NamespaceStats stats;
  const auto field = [&json](const char* name, uint64_t& out) {
    auto it = json.find(name);
    if (it == json.end()) return true;  // keys is absent until a flush knew it
    if (!it->is_number_unsigned()) return false;
    out = it->get<uint64_t>();
    return true;
  };
  if (!json.is_object() || !field("hits", stats.hits) || !field("misses", stats.misses) ||
      !field("keys", stats.keys)) {
    return Status::Internal("statistics record " + std::string(StatsBook::kNamespace) + "/" +
                            std::string(key) + " is not {\"hits\",\"misses\",\"keys\"} JSON");
  }
  return stats;
}

std::string EncodeRecord(const NamespaceStats& stats) {
  return nlohmann::json{{"hits", stats.hits}, {"misses", stats.misses}, {"keys", stats.keys}}
      .dump();
}

}  // namespace

struct StatsBook::Counters {
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> misses{0};

  void Add(uint64_t h, uint64_t m) {
    if (h > 0) hits.fetch_add(h, std::memory_order_relaxed);
    if (m > 0) misses.fetch_add(m, std::memory_order_relaxed);
  }
};

double HitRatePercent(uint64_t hits, uint64_t misses) {
  const double total = static_cast<double>(hits) + static_cast<double>(misses);
  if (total == 0) return 0.0;
  return std::round(static_cast<double>(hits) * 1000.0 / total) / 10.0;
}

std::string DayStatsToJson(const DayStats& stats) {
  nlohmann::ordered_json breakdown = nlohmann::ordered_json::object();
  for (const auto& [name, ns] : stats.namespaces) {
    breakdown[name] = {{"hits", ns.hits},
                       {"misses", ns.misses},
                       {"hit_rate", HitRatePercent(ns.hits, ns.misses)},
                       {"keys", ns.keys}};
  }
  nlohmann::ordered_json json = {{"hits", stats.hits},
                                 {"misses", stats.misses},
                                 {"hit_rate", HitRatePercent(stats.hits, stats.misses)},
                                 {"total_keys", stats.total_keys},
                                 {"service_breakdown", std::move(breakdown)},
                                 {"timestamp", stats.timestamp},
                                 {"date", stats.date}};
  return json.dump();
}

std::string UtcDate(int64_t unix_ms) {
  return DateOfDay(DayOf(unix_ms));
}

std::string UtcTimestamp(int64_t unix_ms) {
  const int64_t day = DayOf(unix_ms);
  const int64_t second_of_day = (unix_ms - day * kMillisPerDay) / 1000;
  char text[16];
  std::snprintf(text, sizeof(text), " %02d:%02d:%02d", static_cast<int>(second_of_day / 3600),
                static_cast<int>(second_of_day / 60 % 60), static_cast<int>(second_of_day % 60));
  return DateOfDay(day) + text;
}

Result<int64_t> ParseUtcDate(std::string_view date) {
  const auto bad = [date] {
    return Status::InvalidArgument("date '" + std::string(date.substr(0, 32)) +
                                   "' is not a calendar date written YYYY-MM-DD");
  };
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return bad();
  int parts[3] = {0, 0, 0};
  const size_t starts[3] = {0, 5, 8};
  const size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (size_t j = starts[i]; j < starts[i] + lengths[i]; ++j) {
      if (date[j] < '0' || date[j] > '9') return bad();
      parts[i] = parts[i] * 10 + (date[j] - '0');
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year{parts[0]},
                                        std::chrono::month{static_cast<unsigned>(parts[1])},
                                        std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return bad();
  return static_cast<int64_t>(std::chrono::sys_days{ymd}.time_since_epoch().count());
}

StatsBook::StatsBook(Store& store, const Clock& clock, StatsBookOptions options)
    : store_(store), clock_(clock), options_(std::move(options)), id_(next_book_id.fetch_add(1)) {
  if (options_.flush_period_seconds > 0) flusher_ = std::thread([this] { FlushLoop(); });
}

StatsBook::~StatsBook() {
  static_cast<void>(Stop());
}

namespace {

// The counter a thread last added to, so that a run of lookups on one namespace finds it without
// searching the maps. Valid while its book's epoch is unchanged (no counter freed since).
struct LastCounter {
  uint64_t book = 0;  // StatsBook::id_ (0: none); ids are never reused, addresses may be
  uint64_t epoch = 0;
  int64_t day = 0;
  std::string ns;
  void* counters = nullptr;
};
thread_local LastCounter last_counter;
}  // namespace

void StatsBook::Record(std::string_view ns, uint64_t hits, uint64_t misses) {
  const int64_t day = DayOf(clock_.NowMillis());
  LastCounter& last = last_counter;
  // The add happens under the shared lock so that Flush (exclusive) never frees a counter in use.
  {
    std::shared_lock lock(pending_mutex_);
    if (last.book == id_ && last.epoch == epoch_ && last.day == day && last.ns == ns) {
      static_cast<Counters*>(last.counters)->Add(hits, misses);
      return;
    }
    auto day_it = pending_.find(day);
    if (day_it != pending_.end()) {
      auto it = day_it->second.find(ns);
      if (it != day_it->second.end()) {
        it->second->Add(hits, misses);
        last = {.book = id_,
                .epoch = epoch_,
                .day = day,
                .ns = std::string(ns),
                .counters = it->second.get()};
        return;
      }
    }
  }
  std::unique_lock lock(pending_mutex_);
  DayCounters& day_counters = pending_[day];
  std::string_view counted = ns;
  if (day_counters.size() >= options_.max_namespaces_per_day && !day_counters.contains(ns)) {
    counted = kOtherNamespace;
  }
  auto it = day_counters.find(counted);
  if (it == day_counters.end()) {
    it = day_counters.emplace(std::string(counted), std::make_unique<Counters>()).first;
  }
  it->second->Add(hits, misses);
  last = {.book = id_,
          .epoch = epoch_,
          .day = day,
          .ns = std::string(ns),
          .counters = it->second.get()};
}

Status StatsBook::Flush() {
  std::lock_guard flush_lock(flush_mutex_);
  std::map<int64_t, DayCounters> drained;
  {
    std::unique_lock lock(pending_mutex_);
    drained.swap(pending_);
    ++epoch_;  // the counters threads remember are freed below
  }
  std::map<std::string, uint64_t, std::less<>> keys;
  if (Result<std::vector<NamespaceFigures>> figures = store_.ListNamespaces(); figures.ok()) {
    for (const NamespaceFigures& ns : *figures) keys[ns.name] = ns.approx_live_keys;
  }
  Status first_error;
  for (auto& [day, counters] : drained) {
    Status status = FlushDay(day, counters, keys);
    if (first_error.ok()) first_error = std::move(status);
  }
  if (!first_error.ok()) return first_error;
  return Prune();
}

Status StatsBook::FlushDay(int64_t day, DayCounters& counters,
                           const std::map<std::string, uint64_t, std::less<>>& keys) {
  const int64_t ttl_seconds = (static_cast<int64_t>(options_.retention_days) + 1) * 86'400;
  Status first_error;
  for (auto& [ns, pending] : counters) {
    const uint64_t hits = pending->hits.load();
    const uint64_t misses = pending->misses.load();
    if (hits == 0 && misses == 0) continue;
    const std::string key = StatsKey(day, ns);
    const auto known_keys = keys.find(ns);
    Result<std::optional<Entry>> written =
        store_.Mutate(kNamespace, key, [&](const Entry* current) -> Result<Mutation> {
          NamespaceStats stats;
          if (current != nullptr) {
            Result<NamespaceStats> stored = DecodeRecord(key, current->value);
            if (!stored.ok()) return stored.status();
            stats = *stored;
          }
          stats.hits += hits;
          stats.misses += misses;
          if (known_keys != keys.end()) stats.keys = known_keys->second;
          return Mutation{.kind = Mutation::Kind::kPut,
                          .value = EncodeRecord(stats),
                          .content_type = "application/json",
                          .ttl_seconds = ttl_seconds,
                          .keep_expiry = true};
        });
    if (written.ok()) continue;
    // Keep the counts for the next flush rather than lose them.
    {
      std::shared_lock lock(pending_mutex_);
      auto day_it = pending_.find(day);
      if (day_it != pending_.end()) {
        auto it = day_it->second.find(ns);
        if (it != day_it->second.end()) {
          it->second->hits.fetch_add(hits);
          it->second->misses.fetch_add(misses);
          continue;
        }
      }
    }
    std::unique_lock lock(pending_mutex_);
    auto [it, inserted] = pending_[day].try_emplace(ns, std::make_unique<Counters>());
    it->second->hits.fetch_add(hits);
    it->second->misses.fetch_add(misses);
    if (first_error.ok()) first_error = written.status();
  }
  return first_error;
}

Status StatsBook::Prune() {
  const int64_t retention = std::max<int64_t>(1, options_.retention_days);
  const int64_t oldest_kept = DayOf(clock_.NowMillis()) - retention + 1;
  // Keys start with the date, so the oldest day comes first; delete whole days until one is kept.
  while (true) {
    Result<ScanPage> page = store_.Scan(kNamespace, "", std::nullopt, 1);
    if (!page.ok()) return page.status();
    if (page->entries.empty()) return Status::Ok();
    const std::string& key = page->entries.front().first;
    Result<int64_t> day = ParseUtcDate(std::string_view(key).substr(0, 10));
    if (day.ok() && *day >= oldest_kept) return Status::Ok();
    // A key that is no date is not ours to keep either.
    Status deleted = day.ok() ? store_.DeletePrefix(kNamespace, key.substr(0, 11)).status()
                              : store_.Delete(kNamespace, key).status();
    if (!deleted.ok()) return deleted;
  }
}

Status StatsBook::Reset() {
  std::lock_guard flush_lock(flush_mutex_);
  {
    std::unique_lock lock(pending_mutex_);
    pending_.clear();
    ++epoch_;
  }
  return store_.ClearNamespace(kNamespace);
}

Status StatsBook::AddStored(int64_t day, DayStats& stats) {
  const std::string prefix = DateOfDay(day) + "/";
  std::optional<std::string> after;
  do {
    Result<ScanPage> page = store_.Scan(kNamespace, prefix, after, kScanPage);
    if (!page.ok()) return page.status();
    for (const auto& [key, entry] : page->entries) {
      Result<NamespaceStats> stored = DecodeRecord(key, entry.value);
      if (!stored.ok()) return stored.status();
      NamespaceStats& ns = stats.namespaces[key.substr(prefix.size())];
      ns.hits += stored->hits;
      ns.misses += stored->misses;
      ns.keys = stored->keys;
    }
    after = std::move(page->next_after);
  } while (after.has_value());
  return Status::Ok();
}

Result<DayStats> StatsBook::Snapshot(std::optional<std::string_view> date) {
  const int64_t now_ms = clock_.NowMillis();
  const int64_t today = DayOf(now_ms);
  int64_t day = today;
  if (date.has_value()) {
    Result<int64_t> parsed = ParseUtcDate(*date);
    if (!parsed.ok()) return parsed.status();
    day = *parsed;
  }
  DayStats stats;
  stats.date = DateOfDay(day);
  stats.timestamp = UtcTimestamp(now_ms);

  // Under flush_mutex_, every count is either stored or pending, never in flight.
  std::lock_guard flush_lock(flush_mutex_);
  if (Status status = AddStored(day, stats); !status.ok()) return status;
  {
    std::shared_lock lock(pending_mutex_);
    auto day_it = pending_.find(day);
    if (day_it != pending_.end()) {
      for (const auto& [name, pending] : day_it->second) {
        NamespaceStats& ns = stats.namespaces[name];
        ns.hits += pending->hits.load();
        ns.misses += pending->misses.load();
      }
    }
  }
  if (day == today) {
    Result<std::vector<NamespaceFigures>> figures = store_.ListNamespaces();
    if (!figures.ok()) return figures.status();
    for (auto& [name, ns] : stats.namespaces) ns.keys = 0;  // only the store knows keys now
    for (const NamespaceFigures& figure : *figures) {
      stats.namespaces[figure.name].keys = figure.approx_live_keys;
    }
  }
  for (const auto& [name, ns] : stats.namespaces) {
    stats.hits += ns.hits;
    stats.misses += ns.misses;
    stats.total_keys += ns.keys;
  }
  return stats;
}

void StatsBook::FlushLoop() {
  std::unique_lock lock(stop_mutex_);
  while (!stopping_) {
    if (stop_cv_.wait_for(lock, std::chrono::seconds(options_.flush_period_seconds),
                          [this] { return stopping_; })) {
      break;
    }
    lock.unlock();
    if (Status status = Flush(); !status.ok()) {
      std::fprintf(stderr, "apicached: statistics flush failed, counts kept for the next: %s\n",
                   status.ToString().c_str());
    }
    lock.lock();
  }
}

Status StatsBook::Stop() {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return Status::Ok();
    stopped_ = true;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  return Flush();
}

}  // namespace apicached
