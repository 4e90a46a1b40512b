#include "metrics/health.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

namespace apicached {

std::string_view HealthStatusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kHealthy:
      return "healthy";
    case HealthStatus::kDegraded:
      return "degraded";
    case HealthStatus::kError:
      return "error";
  }
  return "error";
}

std::string HealthReportToJson(const HealthReport& report) {
  nlohmann::ordered_json warmup = {{"state", report.warmup.state},
                                   {"keys_loaded", report.warmup.keys_loaded},
                                   {"seconds", report.warmup.seconds}};
  if (!report.warmup.error.empty()) warmup["error"] = report.warmup.error;
  nlohmann::ordered_json checks = {{"store_writable", report.store_writable},
                                   {"background_errors", report.background_errors}};
  if (report.free_disk_bytes.has_value()) {
    checks["free_disk_bytes"] = *report.free_disk_bytes;
  } else {
    checks["free_disk_bytes"] = nullptr;
    checks["free_disk_error"] = report.free_disk_error;
  }
  checks["min_free_disk_bytes"] = report.min_free_disk_bytes;
  checks["free_disk_ok"] = report.free_disk_ok;
  checks["warmup"] = std::move(warmup);
  if (!report.eviction_behind.empty()) checks["eviction_behind"] = report.eviction_behind;
  // Milliseconds with microsecond resolution: a local cache answers well under 1 ms.
  const double avg_ms = std::round(report.avg_response_time_ms * 1000.0) / 1000.0;
  nlohmann::ordered_json json = {
      {"status", HealthStatusName(report.status)}, {"backend", report.backend},
      {"connection", report.connection},           {"avg_response_time", avg_ms},
      {"uptime", report.uptime_seconds},           {"checks", std::move(checks)}};
  const ResourceLimits& limits = report.limits;
  json["limits"] = {{"nofile_soft", limits.nofile_soft},
                    {"nofile_hard", limits.nofile_hard},
                    {"max_connections", limits.max_connections},
                    {"store_max_open_files", nullptr}};
  if (limits.store_max_open_files != 0) {
    json["limits"]["store_max_open_files"] = limits.store_max_open_files;
  }
  return json.dump();
}

Result<uint64_t> FreeDiskBytes(const std::string& path) {
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) {
    return Status::Unavailable("statvfs(" + path + ") failed: " + std::strerror(errno));
  }
  return static_cast<uint64_t>(info.f_bavail) * static_cast<uint64_t>(info.f_frsize);
}

HealthChecker::HealthChecker(StoreAdmin& store, const Clock& clock, HealthOptions options,
                             FreeDiskFn free_disk)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      free_disk_(std::move(free_disk)),
      start_ms_(clock.NowMillis()) {}

void HealthChecker::SetWarmupProvider(std::function<WarmupFigures()> warmup) {
  std::lock_guard lock(warmup_mutex_);
  warmup_ = std::move(warmup);
}

void HealthChecker::SetEvictionProvider(std::function<std::string()> behind) {
  std::lock_guard lock(warmup_mutex_);
  eviction_ = std::move(behind);
}

void HealthChecker::OnRequest(double seconds) {
  const double ms = seconds * 1000.0;
  if (!has_response_.exchange(true)) {
    avg_response_ms_.store(ms);
    return;
  }
  double old_avg = avg_response_ms_.load();
  while (!avg_response_ms_.compare_exchange_weak(old_avg,
                                                 old_avg + kResponseTimeWeight * (ms - old_avg))) {
  }
}

HealthReport HealthChecker::Check() {
  HealthReport report;
  report.avg_response_time_ms = avg_response_ms_.load();
  report.uptime_seconds = (clock_.NowMillis() - start_ms_) / 1000;
  report.min_free_disk_bytes = options_.min_free_disk_bytes;
  report.limits = options_.limits;

  if (Status store = store_.CheckHealth(); !store.ok()) {
    report.store_writable = false;
    report.connection = store.message().empty() ? store.ToString() : store.message();
    background_errors_.fetch_add(1);
  }
  report.background_errors = background_errors_.load();

  if (Result<uint64_t> free = free_disk_(options_.data_dir); free.ok()) {
    report.free_disk_bytes = *free;
    report.free_disk_ok = *free >= options_.min_free_disk_bytes;
  } else {
    report.free_disk_error = free.status().message();
    report.free_disk_ok = false;
  }

  {
    std::lock_guard lock(warmup_mutex_);
    if (warmup_) report.warmup = warmup_();
    if (eviction_) report.eviction_behind = eviction_();
  }

  if (!report.store_writable) {
    report.status = HealthStatus::kError;
  } else if (!report.free_disk_ok || report.warmup.state == "failed" ||
             !report.eviction_behind.empty()) {
    report.status = HealthStatus::kDegraded;
  }
  return report;
}

}  // namespace apicached
