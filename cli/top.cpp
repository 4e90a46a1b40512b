#include "cli/top.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <vector>

namespace apicached::cli {

namespace {

// name{labels} value  ->  name, the value of label `want` (empty if none), value.
struct SampleLine {
  std::string_view name;
  std::string label;
  double value = 0;
};

bool ParseLine(std::string_view line, std::string_view want, SampleLine& out) {
  const size_t name_end = line.find_first_of("{ ");
  if (name_end == std::string_view::npos) return false;
  out.name = line.substr(0, name_end);
  size_t pos = name_end;
  out.label.clear();
  if (line[pos] == '{') {
    ++pos;
    while (pos < line.size() && line[pos] != '}') {
      const size_t eq = line.find('=', pos);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return false;
      }
      std::string_view label = line.substr(pos, eq - pos);
      std::string value;
      size_t i = eq + 2;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
      }
      if (i >= line.size()) return false;
      if (label == want) out.label = std::move(value);
      pos = i + 1;
      if (pos < line.size() && line[pos] == ',') ++pos;
    }
    if (pos >= line.size()) return false;
    ++pos;  // '}'
  }
  std::string_view rest = line.substr(pos);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  rest = rest.substr(0, rest.find(' '));  // an optional timestamp follows
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out.value);
  return ec == std::errc() && ptr == rest.data() + rest.size();
}

double Delta(double before, double after) {
  return after >= before ? after - before : after;  // a counter reset: the daemon restarted
}

std::string Human(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return buf;
}

std::string Rate(double hits, double misses) {
  if (hits + misses <= 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * hits / (hits + misses));
  return buf;
}

std::string NowUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// Non-canonical, no-echo stdin for the duration of the view; restored by the destructor.
class RawTerminal {
 public:
  RawTerminal() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// Waits up to `seconds`; true when the user asked to quit (q, Q or end of input on a terminal).
bool WaitOrQuit(double seconds, bool keyboard) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{.fd = STDIN_FILENO, .events = POLLIN, .revents = 0};
    const int ready =
        ::poll(keyboard ? &fd : nullptr, keyboard ? 1 : 0, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return false;
    if (ready > 0) {
      char c = 0;
      const ssize_t n = ::read(STDIN_FILENO, &c, 1);
      if (n == 1 && (c == 'q' || c == 'Q')) return true;
    }
  }
}

}  // namespace

Result<TopSample> ParseTopSample(std::string_view text) {
  TopSample sample;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty() || line.front() == '#') continue;
    const bool wanted = line.starts_with("apicached_cache_hits_total") ||
                        line.starts_with("apicached_cache_misses_total") ||
                        line.starts_with("apicached_namespace_keys") ||
                        line.starts_with("apicached_namespace_disk_bytes") ||
                        line.starts_with("apicached_http_requests_total") ||
                        line.starts_with("apicached_health_status");
    if (!wanted) continue;
    SampleLine s;
    const std::string_view label =
        line.starts_with("apicached_health_status") ? "status" : "cache_namespace";
    if (!ParseLine(line, label, s)) {
      return Status::InvalidArgument("cannot read the metrics line '" +
                                     std::string(line.substr(0, 120)) + "'");
    }
    if (s.name == "apicached_http_requests_total") {
      sample.requests += s.value;
    } else if (s.name == "apicached_health_status") {
      if (s.value == 1) sample.health = s.label;
    } else if (s.name == "apicached_cache_hits_total") {
      sample.namespaces[s.label].hits += s.value;  // one series per protocol: summed
    } else if (s.name == "apicached_cache_misses_total") {
      sample.namespaces[s.label].misses += s.value;
    } else if (s.name == "apicached_namespace_keys") {
      sample.namespaces[s.label].keys = s.value;
    } else if (s.name == "apicached_namespace_disk_bytes") {
      sample.namespaces[s.label].disk = s.value;
    }
  }
  return sample;
}

std::string RenderTopFrame(const TopSample& prev, const TopSample& cur, double seconds,
                           std::string_view header, size_t max_rows) {
  if (!(seconds > 0)) seconds = 1;
  struct Row {
    std::string name;
    double hits_per_s, misses_per_s;
    double keys, disk;
  };
  std::vector<Row> rows;
  double hits = 0, misses = 0, keys = 0, disk = 0;
  for (const auto& [name, now] : cur.namespaces) {
    TopNamespace before;
    if (auto it = prev.namespaces.find(name); it != prev.namespaces.end()) before = it->second;
    Row row{name, Delta(before.hits, now.hits) / seconds,
            Delta(before.misses, now.misses) / seconds, now.keys, now.disk};
    hits += row.hits_per_s;
    misses += row.misses_per_s;
    keys += now.keys;
    disk += now.disk;
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    const double la = a.hits_per_s + a.misses_per_s, lb = b.hits_per_s + b.misses_per_s;
    return la != lb ? la > lb : a.name < b.name;
  });
  std::string out(header);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "\nhealth %s   requests %.1f/s   lookups %.1f/s   hit rate %s   keys %.0f   "
                "disk %s\n\n",
                cur.health.empty() ? "?" : cur.health.c_str(),
                Delta(prev.requests, cur.requests) / seconds, (hits + misses),
                Rate(hits, misses).c_str(), keys, Human(disk).c_str());
  out += buf;
  std::snprintf(buf, sizeof buf, "%-24s %11s %10s %10s %9s %12s %11s\n", "NAMESPACE", "LOOKUPS/S",
                "HITS/S", "MISSES/S", "HIT RATE", "KEYS", "DISK");
  out += buf;
  size_t shown = 0;
  for (const Row& row : rows) {
    if (shown++ == max_rows) {
      out += "... " + std::to_string(rows.size() - max_rows) + " more\n";
      break;
    }
    std::string name = row.name.size() > 24 ? row.name.substr(0, 23) + "~" : row.name;
    for (char& c : name) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';  // never a terminal escape
    }
    std::snprintf(buf, sizeof buf, "%-24s %11.1f %10.1f %10.1f %9s %12.0f %11s\n", name.c_str(),
                  row.hits_per_s + row.misses_per_s, row.hits_per_s, row.misses_per_s,
                  Rate(row.hits_per_s, row.misses_per_s).c_str(), row.keys,
                  Human(row.disk).c_str());
    out += buf;
  }
  if (rows.empty()) out += "(no namespace yet)\n";
  return out;
}

int RunTop(const HttpClient& client, CliIo& io, const TopOptions& options) {
  const bool terminal = io.stdin_is_tty && io.stdout_is_tty;
  std::optional<RawTerminal> raw;
  if (terminal) raw.emplace();

  auto read_sample = [&](TopSample& out) -> int {
    HttpRequest req;
    req.method = "GET";
    req.target = "/metrics";
    Result<HttpResponse> res = client.Send(req);
    if (!res.ok()) {
      io.err << "apicachectl: " << res.status().message() << "\n";
      return kExitConnectionError;
    }
    if (res->status != 200) {
      io.err << "apicachectl: top: GET /metrics answered HTTP " << res->status << "\n";
      return res->status >= 500 ? kExitServerError : kExitClientError;
    }
    Result<TopSample> parsed = ParseTopSample(res->body);
    if (!parsed.ok()) {
      io.err << "apicachectl: top: " << parsed.status().message() << "\n";
      return kExitServerError;
    }
    out = std::move(*parsed);
    return kExitOk;
  };

  TopSample prev;
  if (int code = read_sample(prev); code != kExitOk) return code;
  auto prev_time = std::chrono::steady_clock::now();
  for (int64_t frame = 0; options.iterations == 0 || frame < options.iterations; ++frame) {
    if (WaitOrQuit(options.interval_seconds, terminal)) break;
    TopSample cur;
    if (int code = read_sample(cur); code != kExitOk) return code;
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - prev_time).count();
    char header[512];
    std::snprintf(header, sizeof header, "apicached top - %s - %s - every %g s%s",
                  client.url().Display().c_str(), NowUtc().c_str(), options.interval_seconds,
                  terminal ? " (q quits)" : "");
    const std::string frame_text = RenderTopFrame(prev, cur, seconds, header);
    if (terminal) {
      io.out << "\x1b[H\x1b[2J" << frame_text;
    } else {
      io.out << (frame > 0 ? "\n" : "") << frame_text;
    }
    io.out.flush();
    prev = std::move(cur);
    prev_time = now;
  }
  return kExitOk;
}

}  // namespace apicached::cli
