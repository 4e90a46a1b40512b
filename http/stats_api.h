// The observability routes, and the adapter that feeds metrics/ from the server (see
// docs/metrics.md for the shapes; lookups are fed by the cache layer, daemon/lookup_recorder.h).
//
//   GET    /metrics                  Prometheus text format (Metrics::Serialize); public route
//   GET    /v1/stats[?date=Y-M-D]    the seed's get_statistics() for a UTC day (today by
//                                    default); 400 problem on a malformed date; a day without
//                                    figures answers 200 with zeros
//   DELETE /v1/stats                 forgets every day's counts; 204
//   GET    /v1/health                the seed's get_health() plus its checks; 200 when healthy
//                                    or degraded, 503 (same JSON body) on error; public route
//
// AddStatsRoutes replaces AddHealthRoute (register one of them, not both).
//
// Thread safety: the handlers and the adapters may run on any number of threads at once. The
// Metrics, StatsBook and HealthChecker must outlive the Router, the Server and the functions
// made here.
#pragma once

#include <string_view>

#include "http/router.h"
#include "http/server.h"
#include "metrics/health.h"
#include "metrics/metrics.h"
#include "metrics/stats_book.h"

namespace apicached::http {

void AddStatsRoutes(Router& router, Metrics& metrics, StatsBook& stats, HealthChecker& health);

// Feeds every answered request to Metrics (count and latency by route, method, status) and to
// HealthChecker (avg_response_time).
class MetricsRequestObserver final : public RequestObserver {
 public:
  MetricsRequestObserver(Metrics& metrics, HealthChecker& health)
      : metrics_(metrics), health_(health) {}
  void OnRequest(std::string_view route, Verb method, unsigned status, double seconds) override;

 private:
  Metrics& metrics_;
  HealthChecker& health_;
};

}  // namespace apicached::http
