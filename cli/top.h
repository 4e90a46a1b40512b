// apicachectl top: a top-like live view of the daemon, per namespace: lookups, hits and misses
// per second, hit rate, keys and disk, plus the daemon's request rate. It reads GET /metrics
// (a public route) every interval and shows the rates between two successive readings.
//
// On a terminal (stdin and stdout both ttys) each frame replaces the last and the q key quits
// (stdin in non-canonical mode for the duration, restored on every exit path); otherwise frames
// are printed one after the other (like `top -b`). --once prints one frame, --iterations N
// prints N; both wait one interval before their first frame, which needs two readings.
//
// Thread safety: RunTop uses only what it is given; the terminal handling touches the process's
// stdin (fd 0) only when CliIo says both ends are terminals.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "cli/cli.h"
#include "cli/http_client.h"
#include "storage/status.h"

namespace apicached::cli {

// One namespace's cumulative figures in one reading.
struct TopNamespace {
  double hits = 0;    // apicached_cache_hits_total
  double misses = 0;  // apicached_cache_misses_total
  double keys = 0;    // apicached_namespace_keys (estimate)
  double disk = 0;    // apicached_namespace_disk_bytes
};

// One reading of GET /metrics.
struct TopSample {
  std::map<std::string, TopNamespace> namespaces;
  double requests = 0;  // sum of apicached_http_requests_total
  std::string health;   // the apicached_health_status that is 1, "" when absent
};

// Reads the families above out of the Prometheus text exposition. Unknown lines are ignored;
// InvalidArgument when a sample line of those families cannot be read.
Result<TopSample> ParseTopSample(std::string_view metrics_text);

// One frame: a header line (url, UTC time, interval, totals) and a table of namespaces sorted by
// lookups per second (then name), rates over `seconds` between prev and cur. A counter that went
// down (the daemon restarted) counts from zero. At most max_rows namespaces are listed.
std::string RenderTopFrame(const TopSample& prev, const TopSample& cur, double seconds,
                           std::string_view header, size_t max_rows = 40);

struct TopOptions {
  double interval_seconds = 2.0;  // between readings; 0.05 .. 3600
  int64_t iterations = 0;         // frames to print; 0 = until q (or forever without a terminal)
};

// Runs the view; returns an ExitCode (kExitConnectionError when the daemon cannot be read).
int RunTop(const HttpClient& client, CliIo& io, const TopOptions& options);

}  // namespace apicached::cli
