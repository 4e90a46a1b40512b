// HealthChecker: the seed's get_health() figures (GET /v1/health) plus the checks behind them.
//
//   status  "error"     the store cannot read or write (StoreAdmin::CheckHealth fails)  -> HTTP 503
//           "degraded"  free disk under the threshold, free disk unknown, the
//                       warm-up failed, or eviction is not keeping up (its
//                       reason in checks.eviction_behind)                          -> HTTP 200
//           "healthy"   otherwise                                                  -> HTTP 200
//
// avg_response_time is an exponentially weighted moving average of the request durations fed
// through OnRequest (each new request weighs kResponseTimeWeight), in milliseconds.
//
// Thread safety: every method may be called concurrently from any thread. The store and the
// clock must outlive the checker; the providers are called from the thread calling Check().
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "metrics/figures.h"
#include "storage/clock.h"
#include "storage/status.h"
#include "storage/store_admin.h"

namespace apicached {

struct HealthOptions {
  std::string data_dir;  // whose file system's free space is checked
  // Below this many free bytes (for unprivileged users) the status is "degraded".
  uint64_t min_free_disk_bytes = 1ull << 30;  // 1 GiB
  ResourceLimits limits{};                    // reported as they are; the App fills them in
};

enum class HealthStatus { kHealthy, kDegraded, kError };

std::string_view HealthStatusName(HealthStatus status);  // "healthy", "degraded", "error"

struct HealthReport {
  HealthStatus status = HealthStatus::kHealthy;
  std::string backend = "rocksdb";
  std::string connection = "OK";  // or the store's error
  double avg_response_time_ms = 0;
  int64_t uptime_seconds = 0;
  // The checks behind status.
  bool store_writable = true;
  uint64_t background_errors = 0;           // failed store checks seen since the checker was built
  std::optional<uint64_t> free_disk_bytes;  // nullopt when it could not be read
  std::string free_disk_error;              // why, when free_disk_bytes is nullopt
  uint64_t min_free_disk_bytes = 0;
  bool free_disk_ok = true;
  WarmupFigures warmup;
  // Why eviction is not keeping the size bounds (evict/evicting_store.h); empty when it is or
  // when eviction is off.
  std::string eviction_behind;
  ResourceLimits limits;

  int http_status() const { return status == HealthStatus::kError ? 503 : 200; }
};

// {status, backend, connection, avg_response_time, uptime, checks: {store_writable,
// background_errors, free_disk_bytes, min_free_disk_bytes, free_disk_ok, warmup: {state,
// keys_loaded, seconds[, error]}}, limits: {nofile_soft, nofile_hard, max_connections,
// store_max_open_files (null: no bound)}} as JSON text.
std::string HealthReportToJson(const HealthReport& report);

// Free bytes available to unprivileged users on the file system holding path (statvfs).
Result<uint64_t> FreeDiskBytes(const std::string& path);

class HealthChecker {
 public:
  static constexpr double kResponseTimeWeight = 0.05;

  using FreeDiskFn = std::function<Result<uint64_t>(const std::string& path)>;

  // uptime counts from now on the clock. free_disk defaults to FreeDiskBytes; tests inject one.
  HealthChecker(StoreAdmin& store, const Clock& clock, HealthOptions options,
                FreeDiskFn free_disk = FreeDiskBytes);

  // Where the warm-up state comes from; unset: reported as "off".
  void SetWarmupProvider(std::function<WarmupFigures()> warmup);
  // Why eviction is behind (empty: it is not); unset: eviction is off. Non-empty: "degraded".
  void SetEvictionProvider(std::function<std::string()> behind);

  // One finished request took seconds.
  void OnRequest(double seconds);

  // Runs the checks now (one probe write through Store::CheckHealth, one statvfs).
  HealthReport Check();

 private:
  StoreAdmin& store_;
  const Clock& clock_;
  const HealthOptions options_;
  const FreeDiskFn free_disk_;
  const int64_t start_ms_;

  std::atomic<double> avg_response_ms_{0};
  std::atomic<bool> has_response_{false};
  std::atomic<uint64_t> background_errors_{0};

  std::mutex warmup_mutex_;
  std::function<WarmupFigures()> warmup_;  // guarded by warmup_mutex_
  std::function<std::string()> eviction_;  // guarded by warmup_mutex_
};

}  // namespace apicached
