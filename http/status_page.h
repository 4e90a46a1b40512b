// GET /status: a human-readable status page, server-rendered HTML with no external assets and no
// script (it works with JavaScript off): health, uptime, each namespace's keys, disk and today's
// hit rate, a chart (inline SVG) of the last hour's hit rate per minute, and the invalid-ID
// lists' sizes. It is an ordinary (non-public) route, so it needs the same bearer token as the
// API when one is configured. Answers 200 even when the store reports an error (the page says
// so); a figure source that fails shows its error in place of its table.
//
// Every text that comes from the store or a client (namespace and list names, error messages) is
// HTML-escaped by HtmlEscape(). The response carries a Content-Security-Policy that forbids every
// external resource and script, so a missed escape could still not load anything.
//
// Thread safety: the handler may run on any number of threads at once. What StatusPageSources
// refers to must outlive the Router.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"
#include "metrics/figures.h"
#include "metrics/health.h"
#include "metrics/hit_history.h"
#include "metrics/metrics.h"
#include "metrics/stats_book.h"
#include "storage/status.h"
#include "storage/store.h"

namespace apicached::http {

inline constexpr std::string_view kStatusPageCsp =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// What one rendering shows. Each *_error, when not empty, replaces its table.
struct StatusPageData {
  HealthReport health;
  std::string version;       // apicached's version
  std::string generated_at;  // "YYYY-MM-DD HH:MM:SS" UTC
  std::vector<NamespaceFigures> namespaces;
  std::string namespaces_error;
  DayStats today;  // hits and misses per namespace, today (UTC)
  std::string today_error;
  std::vector<MinuteCounts> last_hour;  // oldest first
  std::vector<InvalidListCounts> invalid_lists;
  std::string invalid_error;
};

// Text as HTML character data or a quoted attribute value: & < > " ' become entities, a
// backslash becomes "\\", and every byte outside printable ASCII becomes the text "\xNN", so the
// page shows exactly which bytes a name holds and nothing in it is markup.
std::string HtmlEscape(std::string_view text);

// The whole page (a complete HTML5 document, lang="en"). Pure.
std::string RenderStatusPage(const StatusPageData& data);

struct StatusPageSources {
  HealthChecker& health;
  StatsBook& stats;
  const Metrics& metrics;
  const Clock& clock;
  std::function<Result<std::vector<NamespaceFigures>>()> namespaces;
  // Unset: the page says there are no invalid-ID lists.
  std::function<Result<std::vector<InvalidListCounts>>()> invalid_lists;
  std::string version;
};

// Registers GET /status (HEAD too, through the router).
void AddStatusPageRoute(Router& router, StatusPageSources sources);

}  // namespace apicached::http
