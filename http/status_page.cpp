#include "http/status_page.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>

namespace apicached::http {

namespace bhttp = boost::beast::http;

namespace {

std::string Format(const char* format, auto... args) {
  const int n = std::snprintf(nullptr, 0, format, args...);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? Format("%" PRIu64 " B", bytes) : Format("%.1f %s", value, kUnits[unit]);
}

std::string Uptime(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const int64_t days = seconds / 86400;
  const std::string clock = Format("%02" PRId64 ":%02" PRId64 ":%02" PRId64, seconds % 86400 / 3600,
                                   seconds % 3600 / 60, seconds % 60);
  return days > 0 ? Format("%" PRId64 " d ", days) + clock : clock;
}

// "81.7 %", or an em dash when there were no lookups.
std::string Rate(uint64_t hits, uint64_t misses) {
  if (hits + misses == 0) return "&#8212;";
  return Format("%.1f %%", HitRatePercent(hits, misses));
}

std::string Count(uint64_t n) {
  return Format("%" PRIu64, n);
}

void Row(std::string& out, std::string_view header, std::string_view value_html) {
  out += "<tr><th scope=\"row\">";
  out += header;
  out += "</th><td>";
  out += value_html;
  out += "</td></tr>\n";
}

void ErrorParagraph(std::string& out, std::string_view what, std::string_view error) {
  out += "<p class=\"error\" role=\"alert\">";
  out += what;
  out += " unavailable: ";
  out += HtmlEscape(error);
  out += "</p>\n";
}

void HealthSection(std::string& out, const StatusPageData& data) {
  const HealthReport& h = data.health;
  const std::string_view status = HealthStatusName(h.status);
  out += "<section aria-labelledby=\"health-h\">\n<h2 id=\"health-h\">Health</h2>\n";
  out += "<table id=\"health\">\n<caption>Checks behind the health status</caption>\n<tbody>\n";
  Row(out, "Status",
      "<strong class=\"status-" + std::string(status) + "\">" + std::string(status) + "</strong>");
  Row(out, "Store", HtmlEscape(h.connection));
  Row(out, "Uptime", Uptime(h.uptime_seconds));
  Row(out, "Average response time", Format("%.3f ms", h.avg_response_time_ms));
  Row(out, "Free disk",
      h.free_disk_bytes
          ? Bytes(*h.free_disk_bytes) + " (threshold " + Bytes(h.min_free_disk_bytes) + ")"
          : "unknown: " + HtmlEscape(h.free_disk_error));
  Row(out, "Background errors", Count(h.background_errors));
  std::string warmup = HtmlEscape(h.warmup.state);
  if (h.warmup.state != "off") {
    warmup += ", " + Count(h.warmup.keys_loaded) + " keys in " + Format("%.1f s", h.warmup.seconds);
  }
  if (!h.warmup.error.empty()) warmup += ": " + HtmlEscape(h.warmup.error);
  Row(out, "Warm-up", warmup);
  Row(out, "Version", HtmlEscape(data.version));
  out += "</tbody>\n</table>\n</section>\n";
}

void NamespaceSection(std::string& out, const StatusPageData& data) {
  out += "<section aria-labelledby=\"ns-h\">\n<h2 id=\"ns-h\">Namespaces</h2>\n";
  if (!data.namespaces_error.empty()) ErrorParagraph(out, "Namespaces", data.namespaces_error);
  if (!data.today_error.empty()) ErrorParagraph(out, "Today's statistics", data.today_error);
  struct Line {
    const NamespaceFigures* figures = nullptr;
    NamespaceStats today;
  };
  std::map<std::string, Line> lines;
  for (const NamespaceFigures& ns : data.namespaces) lines[ns.name].figures = &ns;
  for (const auto& [name, today] : data.today.namespaces) lines[name].today = today;
  out += "<table id=\"namespaces\">\n<caption>Keys and disk now; lookups today (UTC " +
         HtmlEscape(data.today.date) + ")</caption>\n";
  out +=
      "<thead><tr><th scope=\"col\">Namespace</th><th scope=\"col\">Keys (estimate)</th>"
      "<th scope=\"col\">Disk</th><th scope=\"col\">Hits</th><th scope=\"col\">Misses</th>"
      "<th scope=\"col\">Hit rate</th></tr></thead>\n<tbody>\n";
  uint64_t keys = 0, disk = 0;
  for (const auto& [name, line] : lines) {
    const uint64_t k = line.figures ? line.figures->approx_live_keys : line.today.keys;
    const uint64_t d = line.figures ? line.figures->disk_bytes : 0;
    keys += k;
    disk += d;
    out += "<tr><th scope=\"row\"><code>" + HtmlEscape(name) + "</code></th><td>" + Count(k) +
           "</td><td>" + (line.figures ? Bytes(d) : "&#8212;") + "</td><td>" +
           Count(line.today.hits) + "</td><td>" + Count(line.today.misses) + "</td><td>" +
           Rate(line.today.hits, line.today.misses) + "</td></tr>\n";
  }
  if (lines.empty()) out += "<tr><td colspan=\"6\">No namespace yet.</td></tr>\n";
  out += "</tbody>\n<tfoot><tr><th scope=\"row\">All</th><td>" + Count(keys) + "</td><td>" +
         Bytes(disk) + "</td><td>" + Count(data.today.hits) + "</td><td>" +
         Count(data.today.misses) + "</td><td>" + Rate(data.today.hits, data.today.misses) +
         "</td></tr></tfoot>\n</table>\n</section>\n";
}

// Bars of the per-minute hit rate; minutes without lookups stay empty. Dashed lines mark the
// seed's targets (50, 70, 80 %).
void ChartSection(std::string& out, const StatusPageData& data) {
  constexpr int kLeft = 44, kTop = 10, kBarWidth = 11, kPlotHeight = 160;
  const int minutes = static_cast<int>(data.last_hour.size());
  const int width = kLeft + minutes * kBarWidth + 10;
  const int height = kTop + kPlotHeight + 28;
  uint64_t hits = 0, misses = 0;
  int active = 0;
  for (const MinuteCounts& m : data.last_hour) {
    hits += m.hits;
    misses += m.misses;
    active += (m.hits + m.misses) > 0 ? 1 : 0;
  }
  const std::string summary =
      hits + misses == 0
          ? std::string("No lookups in the last hour.")
          : Format("Last hour: %" PRIu64 " hits, %" PRIu64 " misses, hit rate %.1f %%", hits,
                   misses, HitRatePercent(hits, misses)) +
                Format(" (lookups in %d of %d minutes).", active, minutes);
  out += "<section aria-labelledby=\"chart-h\">\n<h2 id=\"chart-h\">Hit rate, last hour</h2>\n";
  out += "<figure>\n" + Format(
                            "<svg id=\"hit-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" ",
                            width, height, width, height);
  out += "role=\"img\" aria-labelledby=\"chart-title chart-desc\">\n";
  out += "<title id=\"chart-title\">Cache hit rate per minute over the last hour</title>\n";
  out += "<desc id=\"chart-desc\">" + HtmlEscape(summary) + "</desc>\n";
  out += Format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f6f8\"/>\n", kLeft,
                kTop, minutes * kBarWidth, kPlotHeight);
  for (int pct : {0, 50, 70, 80, 100}) {
    const int y = kTop + kPlotHeight - pct * kPlotHeight / 100;
    out += Format(
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8a949e\" stroke-width=\"1\"%s/>"
        "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">%d%%</text>\n",
        kLeft, y, kLeft + minutes * kBarWidth, y,
        pct == 0 || pct == 100 ? "" : " stroke-dasharray=\"4 3\"", kLeft - 4, y + 4, pct);
  }
  for (int i = 0; i < minutes; ++i) {
    const MinuteCounts& m = data.last_hour[static_cast<size_t>(i)];
    if (m.hits + m.misses == 0) continue;
    const double rate = static_cast<double>(m.hits) / static_cast<double>(m.hits + m.misses);
    const int bar = std::max(1, static_cast<int>(rate * kPlotHeight + 0.5));
    out += Format("<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">",
                  kLeft + i * kBarWidth + 1, kTop + kPlotHeight - bar, kBarWidth - 2, bar,
                  rate >= 0.8   ? "#2e7d32"
                  : rate >= 0.5 ? "#b26a00"
                                : "#c62828");
    out += Format("<title>%d min ago: %" PRIu64 " hits, %" PRIu64 " misses</title></rect>\n",
                  minutes - 1 - i, m.hits, m.misses);
  }
  const int axis_y = kTop + kPlotHeight + 16;
  out += Format(
      "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#333\">-%d min</text>"
      "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\" fill=\"#333\">now</text>\n",
      kLeft, axis_y, minutes, kLeft + minutes * kBarWidth, axis_y);
  out += "</svg>\n<figcaption>" + HtmlEscape(summary) +
         " Dashed lines: the 50, 70 and 80 % targets.</figcaption>\n</figure>\n</section>\n";
}

void InvalidSection(std::string& out, const StatusPageData& data) {
  out += "<section aria-labelledby=\"invalid-h\">\n<h2 id=\"invalid-h\">Invalid-ID lists</h2>\n";
  if (!data.invalid_error.empty()) ErrorParagraph(out, "Invalid-ID lists", data.invalid_error);
  out +=
      "<table id=\"invalid-lists\">\n<caption>Records held and lookups since start</caption>\n"
      "<thead><tr><th scope=\"col\">List</th><th scope=\"col\">Records (estimate)</th>"
      "<th scope=\"col\">Lookups found</th><th scope=\"col\">Lookups missed</th></tr></thead>\n"
      "<tbody>\n";
  for (const InvalidListCounts& list : data.invalid_lists) {
    auto lookups = [&list](const char* result) {
      auto it = list.lookups_by_result.find(result);
      return Count(it == list.lookups_by_result.end() ? 0 : it->second);
    };
    out += "<tr><th scope=\"row\"><code>" + HtmlEscape(list.list) + "</code></th><td>" +
           Count(list.records) + "</td><td>" + lookups("found") + "</td><td>" + lookups("missed") +
           "</td></tr>\n";
  }
  if (data.invalid_lists.empty()) out += "<tr><td colspan=\"4\">No list.</td></tr>\n";
  out += "</tbody>\n</table>\n</section>\n";
}

constexpr std::string_view kStyle = R"(<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#111;background:#fff;max-width:60rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #c8cdd2;padding:.25rem .6rem;text-align:right}
th[scope=row],caption,#health td{text-align:left}
caption{font-size:.9rem;color:#333;padding-bottom:.25rem}
thead th{background:#eef1f4}
.status-healthy{color:#1b5e20}.status-degraded{color:#8a4b00}.status-error{color:#b71c1c}
.error{color:#b71c1c}
figure{margin:0}
</style>
)";

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (byte < 0x20 || byte >= 0x7f) {
          out += Format("\\x%02X", byte);
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string RenderStatusPage(const StatusPageData& data) {
  std::string out;
  out.reserve(8192);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>apicached status: " + std::string(HealthStatusName(data.health.status)) +
         "</title>\n";
  out += kStyle;
  out += "</head>\n<body>\n<header>\n<h1>apicached status</h1>\n<p>Generated " +
         HtmlEscape(data.generated_at) +
         " UTC. <a href=\"status\">Refresh</a> &#183; <a href=\"metrics\">Prometheus "
         "metrics</a></p>\n</header>\n<main>\n";
  HealthSection(out, data);
  NamespaceSection(out, data);
  ChartSection(out, data);
  InvalidSection(out, data);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

void AddStatusPageRoute(Router& router, StatusPageSources sources) {
  router.Add(Verb::get, "/status", [sources = std::move(sources)](const RequestContext&) {
    StatusPageData data;
    data.health = sources.health.Check();
    data.version = sources.version;
    data.generated_at = UtcTimestamp(sources.clock.NowMillis());
    if (Result<std::vector<NamespaceFigures>> ns = sources.namespaces(); ns.ok()) {
      data.namespaces = std::move(*ns);
    } else {
      data.namespaces_error = ns.status().ToString();
    }
    if (Result<DayStats> today = sources.stats.Snapshot(); today.ok()) {
      data.today = std::move(*today);
    } else {
      data.today_error = today.status().ToString();
    }
    data.last_hour = sources.metrics.hit_history().Snapshot();
    if (sources.invalid_lists) {
      if (auto lists = sources.invalid_lists(); lists.ok()) {
        data.invalid_lists = std::move(*lists);
      } else {
        data.invalid_error = lists.status().ToString();
      }
    }
    Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, "text/html; charset=utf-8");
    res.set(bhttp::field::cache_control, "no-store");
    res.set("Content-Security-Policy", kStatusPageCsp);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.body() = RenderStatusPage(data);
    return res;
  });
}

}  // namespace apicached::http
