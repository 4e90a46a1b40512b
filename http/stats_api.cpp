#include "http/stats_api.h"

#include <string>

#include "http/problem.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;

namespace {

Response JsonResponse(bhttp::status status, std::string body) {
  Response res{status, 11};
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

}  // namespace

void AddStatsRoutes(Router& router, Metrics& metrics, StatsBook& stats, HealthChecker& health) {
  router.Add(
      Verb::get, "/metrics",
      [&metrics](const RequestContext&) {
        Response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, Metrics::kContentType);
        res.set(bhttp::field::cache_control, "no-store");
        res.body() = metrics.Serialize();
        return res;
      },
      RouteOptions{.public_route = true});

  router.Add(Verb::get, "/v1/stats", [&stats](const RequestContext& ctx) {
    Result<DayStats> day = stats.Snapshot(ctx.Query("date"));
    if (!day.ok()) return ProblemFromStatus(day.status());
    return JsonResponse(bhttp::status::ok, DayStatsToJson(*day));
  });

  router.Add(Verb::delete_, "/v1/stats", [&stats](const RequestContext&) {
    if (Status reset = stats.Reset(); !reset.ok()) return ProblemFromStatus(reset);
    return Response{bhttp::status::no_content, 11};
  });

  router.Add(
      Verb::get, "/v1/health",
      [&health](const RequestContext&) {
        const HealthReport report = health.Check();
        return JsonResponse(static_cast<bhttp::status>(report.http_status()),
                            HealthReportToJson(report));
      },
      RouteOptions{.public_route = true});
}

void MetricsRequestObserver::OnRequest(std::string_view route, Verb method, unsigned status,
                                       double seconds) {
  metrics_.OnRequest(route, bhttp::to_string(method), static_cast<int>(status), seconds);
  health_.OnRequest(seconds);
}

}  // namespace apicached::http
