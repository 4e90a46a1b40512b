#include "cli/cli.h"

#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cli/http_client.h"
#include "cli/output.h"
#include "cli/top.h"

namespace apicached::cli {
namespace {

namespace po = boost::program_options;
using nlohmann::json;

constexpr const char* kDefaultUrl = "http://127.0.0.1:7431";

constexpr const char* kUsage = R"(Usage: apicachectl [OPTIONS] COMMAND [ARGS...]

Commands:
  get NS KEY                     print the value (raw bytes when stdout is not a terminal)
                                 [--lease S [--wait S]] [--stale]: a lease-aware read
                                 (docs/leases.md); Cache-Status and a granted lease token go
                                 to stderr ("lease: TOKEN": fetch, then set --lease TOKEN)
  set NS KEY VALUE|-             store VALUE ('-': read it from stdin) [--ttl N] [--if-absent]
                                 [--content-type TYPE] [--grace S] [--lease TOKEN]
  del NS KEY                     delete a key
  incr NS KEY                    add --by N (default 1, may be negative) to an integer value;
                                 --ttl N applies when the key is created
  touch NS KEY                   give a live key a new TTL (--ttl N; namespace default without)
  mget NS KEY...                 several values at once (exit 1 if any is missing)
  ns list                        namespaces with their figures
  ns stats NS                    one namespace's figures
  ns clear NS                    delete every entry of NS (or only keys starting with --prefix P);
                                 asks first on a terminal, needs --yes otherwise
  ns drop NS                     remove NS altogether: its entries, files and --max-namespaces
                                 slot (exit 1 if there is none); asks like ns clear
  stats                          hits, misses and keys of today (or --date YYYY-MM-DD)
  health                         the daemon's health (exit 3 when it reports an error)
  invalid add LIST ID            record an invalid identifier: --reason TEXT [--ttl N]
  invalid get LIST ID            the record of ID
  invalid list LIST              the live records of LIST [--limit N] [--after ID]
  invalid del LIST ID            forget ID
  ruc check RUC                  check a RUC's format and whether it is recorded invalid
                                 (--record: record it when the format is wrong); exit 6 when
                                 it is not valid
  admin compact                  run the maintenance job now (all namespaces, or --ns NS)
  admin checkpoint               write a RocksDB checkpoint into the daemon's backup dir
  top                            live per-namespace lookups/s, hit rate, keys and disk, refreshed
                                 every --interval S (default 2); q quits; --once or
                                 --iterations N print that many frames and exit

Exit codes: 0 ok, 1 not found, 2 usage, 3 server error (5xx), 4 connection error,
5 request refused (4xx other than 404, e.g. 401 bad token, 400 bad input, 412 set --if-absent
found a live entry), 6 ruc check: the RUC is not valid.

TLS: an https:// URL (or --tls) verifies the daemon's certificate against --cacert FILE (else
the system's CAs); --cert FILE --key FILE present a client certificate (tls-auth-clients).

Environment: APICACHED_URL (default http://127.0.0.1:7431), APICACHED_TOKEN.
)";

// A usage error: exit 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

int ExitFor(unsigned status) {
  if (status >= 200 && status < 300) return kExitOk;
  if (status == 404) return kExitNotFound;
  if (status >= 500) return kExitServerError;
  return kExitClientError;
}

struct Context {
  CliIo& io;
  HttpClient& client;
  const po::variables_map& vm;
  std::vector<std::string> args;  // after the command words
  bool json_output = false;

  bool Has(const char* name) const { return vm.count(name) > 0; }
  template <typename T>
  std::optional<T> Opt(const char* name) const {
    if (!vm.count(name)) return std::nullopt;
    return vm[name].as<T>();
  }

  // Sends; on a connection error prints it and returns nullopt (exit code in *code).
  std::optional<HttpResponse> Send(HttpRequest request, int* code) {
    Result<HttpResponse> r = client.Send(request);
    if (!r.ok()) {
      io.err << "apicachectl: " << r.status().message() << "\n";
      *code = kExitConnectionError;
      return std::nullopt;
    }
    *code = ExitFor(r->status);
    return std::move(*r);
  }

  // Prints the daemon's refusal (problem+json detail, else the body) and returns the exit code.
  int Fail(const HttpResponse& res, const std::string& what) {
    std::string detail;
    json body = json::parse(res.body, nullptr, false);
    if (body.is_object()) {
      std::string title = body.value("title", "");
      std::string d = body.value("detail", "");
      detail = d.empty() ? title : (title.empty() ? d : title + ": " + d);
    } else {
      detail = res.body.substr(0, 200);
    }
    io.err << "apicachectl: " << what << ": HTTP " << res.status
           << (detail.empty() ? "" : " " + detail) << "\n";
    return ExitFor(res.status);
  }

  // Prints a JSON answer: verbatim (compact) with -o json, flattened lines otherwise.
  void PrintJson(const json& body) {
    if (json_output) {
      io.out << body.dump() << "\n";
    } else {
      PrintFlat(body, io.out);
    }
  }

  // Sends, prints the JSON answer (or `done` for bodiless answers) and maps the status.
  int Simple(HttpRequest request, const std::string& what, const std::string& done = "OK") {
    int code;
    auto res = Send(std::move(request), &code);
    if (!res) return code;
    if (code != kExitOk) return Fail(*res, what);
    json body = json::parse(res->body, nullptr, false);
    if (!res->body.empty() && !body.is_discarded()) {
      PrintJson(body);
    } else if (json_output) {
      io.out << json{{"ok", true}}.dump() << "\n";
    } else {
      io.out << done << "\n";
    }
    return kExitOk;
  }
};

HttpRequest Req(std::string method, std::string target, std::string body = "",
                std::string content_type = "") {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  return req;
}

std::string KeyPath(const std::string& ns, const std::string& key) {
  return "/v1/cache/" + PercentEncode(ns) + "/" + PercentEncode(key);
}

// Appends "?name=value" / "&name=value" with the value percent-encoded.
void AddQuery(std::string& target, const std::string& name, const std::string& value) {
  target += (target.find('?') == std::string::npos ? '?' : '&') + name + "=" + PercentEncode(value);
}

void Need(const Context& c, size_t min, size_t max, const char* usage) {
  if (c.args.size() < min || c.args.size() > max) {
    throw UsageError(std::string("usage: apicachectl ") + usage);
  }
}

int CmdGet(Context& c) {
  Need(c, 2, 2, "get NS KEY [--lease S [--wait S]] [--stale]");
  std::string target = KeyPath(c.args[0], c.args[1]);
  if (auto lease = c.Opt<std::string>("lease")) AddQuery(target, "lease", *lease);
  if (auto wait = c.Opt<std::string>("wait")) AddQuery(target, "wait", *wait);
  if (c.Has("stale")) AddQuery(target, "stale", "1");
  int code;
  auto res = c.Send(Req("GET", target), &code);
  if (!res) return code;
  if (!res->cache_status.empty()) c.io.err << "cache-status: " << res->cache_status << "\n";
  if (!res->lease.empty()) c.io.err << "lease: " << res->lease << "\n";
  if (res->status == 404) {
    c.io.err << "apicachectl: " << c.args[0] << "/" << c.args[1] << ": not found\n";
    return kExitNotFound;
  }
  if (code != kExitOk) return c.Fail(*res, "get");
  if (c.json_output) {
    json out = ValueToJson(res->body, res->content_type);
    out["namespace"] = c.args[0];
    out["key"] = IsValidUtf8(c.args[1]) ? json(c.args[1]) : json(Base64Encode(c.args[1]));
    out["content_type"] = res->content_type;
    out["etag"] = res->etag;
    out["ttl"] = res->max_age ? json(*res->max_age) : json(nullptr);
    if (!res->cache_status.empty()) out["cache_status"] = res->cache_status;
    if (!res->lease.empty()) out["lease"] = res->lease;
    c.io.out << out.dump() << "\n";
  } else if (c.io.stdout_is_tty) {
    std::string shown = ValueForTerminal(res->body);
    c.io.out << shown << (shown.empty() || shown.back() != '\n' ? "\n" : "");
  } else {
    c.io.out << res->body;  // byte for byte
  }
  return kExitOk;
}

int CmdSet(Context& c) {
  Need(c, 3, 3,
       "set NS KEY VALUE|- [--ttl N] [--if-absent] [--content-type TYPE] [--grace S] "
       "[--lease TOKEN]");
  HttpRequest req = Req("PUT", KeyPath(c.args[0], c.args[1]));
  if (c.args[2] == "-") {
    req.body.assign(std::istreambuf_iterator<char>(c.io.in), std::istreambuf_iterator<char>());
  } else {
    req.body = c.args[2];
  }
  if (auto ttl = c.Opt<int64_t>("ttl")) AddQuery(req.target, "ttl", std::to_string(*ttl));
  if (c.Has("if-absent")) req.headers.emplace_back("If-None-Match", "*");
  if (auto grace = c.Opt<int64_t>("grace")) AddQuery(req.target, "grace", std::to_string(*grace));
  if (auto lease = c.Opt<std::string>("lease")) req.headers.emplace_back("Apicached-Lease", *lease);
  req.content_type =
      c.Opt<std::string>("content-type")
          .value_or(c.args[2] != "-" && IsValidUtf8(req.body) ? "text/plain; charset=utf-8"
                                                              : "application/octet-stream");
  int code;
  auto res = c.Send(std::move(req), &code);
  if (!res) return code;
  if (res->status == 412 && c.Has("if-absent")) {
    c.io.err << "apicachectl: not stored: " << c.args[0] << "/" << c.args[1]
             << " already has a live entry\n";
    return kExitClientError;
  }
  if (res->status == 412 && c.Has("lease")) {
    c.io.err << "apicachectl: not stored: the lease token is not " << c.args[0] << "/" << c.args[1]
             << "'s current lease (another client stored a newer value)\n";
    return kExitClientError;
  }
  if (code != kExitOk) return c.Fail(*res, "set");
  if (c.json_output) {
    c.io.out << json{{"stored", true}, {"etag", res->etag}}.dump() << "\n";
  } else {
    c.io.out << "OK\n";
  }
  return kExitOk;
}

int CmdDel(Context& c) {
  Need(c, 2, 2, "del NS KEY");
  int code;
  auto res = c.Send(Req("DELETE", KeyPath(c.args[0], c.args[1])), &code);
  if (!res) return code;
  if (res->status == 404) {
    c.io.err << "apicachectl: " << c.args[0] << "/" << c.args[1] << ": not found\n";
    return kExitNotFound;
  }
  if (code != kExitOk) return c.Fail(*res, "del");
  c.io.out << (c.json_output ? json{{"deleted", true}}.dump() : "deleted") << "\n";
  return kExitOk;
}

int CmdIncr(Context& c) {
  Need(c, 2, 2, "incr NS KEY [--by N] [--ttl N]");
  std::string target = KeyPath(c.args[0], c.args[1]) + "/incr";
  AddQuery(target, "by", std::to_string(c.Opt<int64_t>("by").value_or(1)));
  if (auto ttl = c.Opt<int64_t>("ttl")) AddQuery(target, "ttl", std::to_string(*ttl));
  int code;
  auto res = c.Send(Req("POST", target), &code);
  if (!res) return code;
  if (code != kExitOk) return c.Fail(*res, "incr");
  json body = json::parse(res->body, nullptr, false);
  if (c.json_output) {
    c.io.out << body.dump() << "\n";
  } else {
    c.io.out << (body.is_object() && body.contains("value") ? body["value"].dump() : res->body)
             << "\n";
  }
  return kExitOk;
}

int CmdTouch(Context& c) {
  Need(c, 2, 2, "touch NS KEY [--ttl N]");
  std::string target = KeyPath(c.args[0], c.args[1]) + "/touch";
  if (auto ttl = c.Opt<int64_t>("ttl")) AddQuery(target, "ttl", std::to_string(*ttl));
  int code;
  auto res = c.Send(Req("POST", target), &code);
  if (!res) return code;
  if (res->status == 404) {
    c.io.err << "apicachectl: " << c.args[0] << "/" << c.args[1] << ": not found\n";
    return kExitNotFound;
  }
  if (code != kExitOk) return c.Fail(*res, "touch");
  c.io.out << (c.json_output ? json{{"touched", true}}.dump() : "OK") << "\n";
  return kExitOk;
}

int CmdMget(Context& c) {
  if (c.args.size() < 2) throw UsageError("usage: apicachectl mget NS KEY...");
  std::vector<std::string> keys(c.args.begin() + 1, c.args.end());
  for (const std::string& k : keys) {
    if (!IsValidUtf8(k)) throw UsageError("mget keys must be UTF-8 text (JSON strings)");
  }
  int code;
  auto res = c.Send(Req("POST", "/v1/cache/" + PercentEncode(c.args[0]) + "/_mget",
                        json{{"keys", keys}}.dump(), "application/json"),
                    &code);
  if (!res) return code;
  if (code != kExitOk) return c.Fail(*res, "mget");
  json body = json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body["found"].is_object() || !body["missing"].is_array()) {
    c.io.err << "apicachectl: mget: unexpected answer: " << res->body.substr(0, 200) << "\n";
    return kExitServerError;
  }
  if (c.json_output) {
    c.io.out << body.dump() << "\n";
  } else {
    for (const std::string& k : keys) {
      auto it = body["found"].find(k);
      if (it == body["found"].end()) {
        c.io.out << k << "\t(missing)\n";
        continue;
      }
      const json& v = (*it)["value"];
      std::string enc = it->value("encoding", "");
      std::string shown = enc == "json"     ? v.dump()
                          : enc == "base64" ? "(binary value, base64: " + v.get<std::string>() + ")"
                                            : ValueForTerminal(v.get<std::string>());
      c.io.out << k << "\t" << shown << "\n";
    }
  }
  return body["missing"].empty() ? kExitOk : kExitNotFound;
}

int CmdNsList(Context& c) {
  Need(c, 0, 0, "ns list");
  int code;
  auto res = c.Send(Req("GET", "/v1/cache"), &code);
  if (!res) return code;
  if (code != kExitOk) return c.Fail(*res, "ns list");
  json body = json::parse(res->body, nullptr, false);
  if (c.json_output || !body.is_object() || !body["namespaces"].is_array()) {
    c.io.out << (body.is_discarded() ? res->body : body.dump()) << "\n";
    return kExitOk;
  }
  char line[256];
  std::snprintf(line, sizeof(line), "%-32s %14s %14s %12s\n", "NAMESPACE", "KEYS(approx)",
                "DISK_BYTES", "DEFAULT_TTL");
  c.io.out << line;
  for (const json& ns : body["namespaces"]) {
    std::snprintf(line, sizeof(line), "%-32s %14s %14s %12s\n", ns.value("name", "?").c_str(),
                  ns.value("approx_live_keys", json()).dump().c_str(),
                  ns.value("disk_bytes", json()).dump().c_str(),
                  ns.value("default_ttl_seconds", json()).dump().c_str());
    c.io.out << line;
  }
  return kExitOk;
}

int CmdNsStats(Context& c) {
  Need(c, 1, 1, "ns stats NS");
  return c.Simple(Req("GET", "/v1/cache/" + PercentEncode(c.args[0])), "ns stats " + c.args[0]);
}

// Asks on a terminal before deleting `what`; without a terminal, --yes is required. Returns
// whether to go on (false: the "not confirmed" exit was printed).
bool Confirm(Context& c, const std::string& what) {
  if (c.Has("yes")) return true;
  if (!c.io.stdin_is_tty) {
    throw UsageError("refusing to delete " + what +
                     " without --yes (stdin is not a terminal to confirm on)");
  }
  c.io.err << "Delete " << what << "? [y/N] ";
  c.io.err.flush();
  std::string answer;
  std::getline(c.io.in, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") {
    c.io.err << "apicachectl: not confirmed; nothing deleted\n";
    return false;
  }
  return true;
}

int CmdNsClear(Context& c) {
  Need(c, 1, 1, "ns clear NS [--prefix P] [--yes]");
  const std::string& ns = c.args[0];
  std::optional<std::string> prefix = c.Opt<std::string>("prefix");
  std::string what = prefix ? "every key of namespace '" + ns + "' starting with '" + *prefix + "'"
                            : "every entry of namespace '" + ns + "'";
  if (!Confirm(c, what)) return kExitUsage;
  std::string target = "/v1/cache/" + PercentEncode(ns);
  if (prefix) AddQuery(target, "prefix", *prefix);
  return c.Simple(Req("DELETE", target), "ns clear " + ns, "cleared " + ns);
}

int CmdNsDrop(Context& c) {
  Need(c, 1, 1, "ns drop NS [--yes]");
  const std::string& ns = c.args[0];
  if (!Confirm(c, "namespace '" + ns + "' with every entry")) return kExitUsage;
  std::string target = "/v1/cache/" + PercentEncode(ns);
  AddQuery(target, "drop", "true");
  return c.Simple(Req("DELETE", target), "ns drop " + ns, "dropped " + ns);
}

int CmdStats(Context& c) {
  Need(c, 0, 0, "stats [--date YYYY-MM-DD]");
  std::string target = "/v1/stats";
  if (auto date = c.Opt<std::string>("date")) AddQuery(target, "date", *date);
  return c.Simple(Req("GET", target), "stats");
}

int CmdHealth(Context& c) {
  Need(c, 0, 0, "health");
  int code;
  auto res = c.Send(Req("GET", "/v1/health"), &code);
  if (!res) return code;
  json body = json::parse(res->body, nullptr, false);
  if (body.is_discarded()) return code == kExitOk ? kExitOk : c.Fail(*res, "health");
  c.PrintJson(body);
  return code;
}

std::string InvalidPath(const std::string& list, const std::string* id = nullptr) {
  return "/v1/invalid/" + PercentEncode(list) + (id ? "/" + PercentEncode(*id) : "");
}

int CmdInvalidAdd(Context& c) {
  Need(c, 2, 2, "invalid add LIST ID --reason TEXT [--ttl N]");
  auto reason = c.Opt<std::string>("reason");
  if (!reason) throw UsageError("invalid add needs --reason TEXT");
  json body{{"reason", *reason}};
  if (auto ttl = c.Opt<int64_t>("ttl")) body["ttl"] = *ttl;
  return c.Simple(Req("PUT", InvalidPath(c.args[0], &c.args[1]), body.dump(), "application/json"),
                  "invalid add");
}

int CmdInvalidGet(Context& c) {
  Need(c, 2, 2, "invalid get LIST ID");
  return c.Simple(Req("GET", InvalidPath(c.args[0], &c.args[1])), "invalid get");
}

int CmdInvalidList(Context& c) {
  Need(c, 1, 1, "invalid list LIST [--limit N] [--after ID]");
  std::string target = InvalidPath(c.args[0]);
  if (auto limit = c.Opt<int64_t>("limit")) AddQuery(target, "limit", std::to_string(*limit));
  if (auto after = c.Opt<std::string>("after")) AddQuery(target, "after", *after);
  return c.Simple(Req("GET", target), "invalid list");
}

int CmdInvalidDel(Context& c) {
  Need(c, 2, 2, "invalid del LIST ID");
  return c.Simple(Req("DELETE", InvalidPath(c.args[0], &c.args[1])), "invalid del", "deleted");
}

int CmdRucCheck(Context& c) {
  Need(c, 1, 1, "ruc check RUC [--record]");
  std::string target = "/v1/ruc/" + PercentEncode(c.args[0]);
  if (c.Has("record")) AddQuery(target, "record", "1");
  int code;
  auto res = c.Send(Req("GET", target), &code);
  if (!res) return code;
  if (code != kExitOk) return c.Fail(*res, "ruc check");
  json answer = json::parse(res->body, nullptr, false);
  if (!answer.is_object()) return c.Fail(*res, "ruc check: not a JSON object");
  c.PrintJson(answer);
  // A RUC with a bad format or a live invalid record is not valid: a script must be able to
  // tell that from "valid" without parsing the output.
  const auto invalid = answer.find("invalid");
  const bool valid =
      answer.value("valid_format", false) && (invalid == answer.end() || invalid->is_null());
  return valid ? kExitOk : kExitInvalid;
}

int CmdAdminCompact(Context& c) {
  Need(c, 0, 0, "admin compact [--ns NS]");
  std::string target = "/v1/admin/compact";
  if (auto ns = c.Opt<std::string>("ns")) AddQuery(target, "ns", *ns);
  return c.Simple(Req("POST", target), "admin compact");
}

int CmdAdminCheckpoint(Context& c) {
  Need(c, 0, 0, "admin checkpoint");
  return c.Simple(Req("POST", "/v1/admin/checkpoint"), "admin checkpoint");
}

int CmdTop(Context& c) {
  Need(c, 0, 0, "top [--interval S] [--once | --iterations N]");
  TopOptions options;
  options.interval_seconds = c.Opt<double>("interval").value_or(2.0);
  if (!(options.interval_seconds >= 0.05 && options.interval_seconds <= 3600)) {
    throw UsageError("--interval must be 0.05 <= SECONDS <= 3600");
  }
  if (c.Has("once") && c.Has("iterations")) throw UsageError("--once and --iterations exclude");
  if (c.Has("once")) options.iterations = 1;
  if (auto n = c.Opt<int64_t>("iterations")) {
    if (*n < 1) throw UsageError("--iterations must be >= 1");
    options.iterations = *n;
  }
  return RunTop(c.client, c.io, options);
}

using CommandFn = int (*)(Context&);

// Commands of one word, and commands of two words ("ns list").
const std::map<std::string, CommandFn>& Commands() {
  static const std::map<std::string, CommandFn> kCommands = {
      {"get", CmdGet},
      {"set", CmdSet},
      {"del", CmdDel},
      {"incr", CmdIncr},
      {"touch", CmdTouch},
      {"mget", CmdMget},
      {"ns list", CmdNsList},
      {"ns stats", CmdNsStats},
      {"ns clear", CmdNsClear},
      {"ns drop", CmdNsDrop},
      {"stats", CmdStats},
      {"health", CmdHealth},
      {"invalid add", CmdInvalidAdd},
      {"invalid get", CmdInvalidGet},
      {"invalid list", CmdInvalidList},
      {"invalid del", CmdInvalidDel},
      {"ruc check", CmdRucCheck},
      {"admin compact", CmdAdminCompact},
      {"admin checkpoint", CmdAdminCheckpoint},
      {"top", CmdTop},
  };
  return kCommands;
}

po::options_description Options() {
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help")(
      "url", po::value<std::string>(),
      "the daemon, http[s]://HOST:PORT (default $APICACHED_URL, else http://127.0.0.1:7431)")(
      "tls", "speak TLS (as an https:// URL does)")(
      "cacert", po::value<std::string>(),
      "TLS: PEM CA certificate(s) to verify the daemon's certificate (default: the system's)")(
      "cert", po::value<std::string>(), "TLS: PEM client certificate (mutual TLS)")(
      "key", po::value<std::string>(), "TLS: the client certificate's PEM key")(
      "token", po::value<std::string>(),
      "bearer token (default $APICACHED_TOKEN); prefer --token-file: argv is visible to others")(
      "token-file", po::value<std::string>(), "read the bearer token from this file")(
      "output,o", po::value<std::string>()->default_value("text"), "text or json")(
      "timeout", po::value<double>()->default_value(10.0), "seconds to wait for the daemon")(
      "yes,y", "do not ask for confirmation (ns clear, ns drop)")(
      "ttl", po::value<int64_t>(), "seconds to live (0: never expires)")(
      "if-absent", "set: store only when no live entry exists")(
      "content-type", po::value<std::string>(), "set: the value's Content-Type")(
      "lease", po::value<std::string>(),
      "get: ask for a lease of S seconds on a miss; set: store with this lease token")(
      "wait", po::value<std::string>(), "get --lease: wait up to S seconds for another's fetch")(
      "stale", "get: accept a value in its grace period (served stale)")(
      "grace", po::value<int64_t>(), "set: seconds a stale value stays after its TTL")(
      "by", po::value<int64_t>(), "incr: the amount (default 1; negative with --by=-N)")(
      "prefix", po::value<std::string>(), "ns clear: only keys starting with this")(
      "date", po::value<std::string>(), "stats: the UTC day, YYYY-MM-DD")(
      "reason", po::value<std::string>(), "invalid add: why the identifier is invalid")(
      "limit", po::value<int64_t>(), "invalid list: records per page")(
      "after", po::value<std::string>(), "invalid list: start after this ID")(
      "record", "ruc check: record a RUC with a bad format as invalid")(
      "ns", po::value<std::string>(), "admin compact: only this namespace")(
      "interval", po::value<double>(), "top: seconds between refreshes (default 2)")(
      "once", "top: print one frame and exit")("iterations", po::value<int64_t>(),
                                               "top: print N frames and exit")(
      "args", po::value<std::vector<std::string>>(), "command and arguments");
  return opts;
}

// "--by -5" reads as an option named "-5": join such negative numbers to their option.
std::vector<std::string> JoinNegativeNumbers(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    bool numeric_option = args[i] == "--by" || args[i] == "--ttl" || args[i] == "--limit";
    if (numeric_option && i + 1 < args.size() && args[i + 1].size() > 1 && args[i + 1][0] == '-' &&
        std::isdigit(static_cast<unsigned char>(args[i + 1][1]))) {
      out.push_back(args[i] + "=" + args[i + 1]);
      ++i;
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read the token file '" + path + "'");
  std::string token;
  std::getline(in, token);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) throw UsageError("the token file '" + path + "' is empty");
  return token;
}

int Run(const std::vector<std::string>& raw_args, CliIo& io) {
  po::options_description opts = Options();
  po::positional_options_description positional;
  positional.add("args", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(JoinNegativeNumbers(raw_args))
                .options(opts)
                .positional(positional)
                .style(po::command_line_style::unix_style)
                .run(),
            vm);
  po::notify(vm);

  if (vm.count("help")) {
    io.out << kUsage << "\n";
    opts.print(io.out);
    return kExitOk;
  }
  std::vector<std::string> args =
      vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>();
  if (args.empty()) throw UsageError("no command given; see apicachectl --help");

  CommandFn fn = nullptr;
  size_t words = 1;
  if (args.size() >= 2 && Commands().count(args[0] + " " + args[1])) {
    fn = Commands().at(args[0] + " " + args[1]);
    words = 2;
  } else if (Commands().count(args[0])) {
    fn = Commands().at(args[0]);
  } else {
    throw UsageError("unknown command '" + args[0] + (args.size() > 1 ? " " + args[1] : "") +
                     "'; see apicachectl --help");
  }

  std::string output = vm["output"].as<std::string>();
  if (output != "text" && output != "json") {
    throw UsageError("-o/--output must be text or json, got '" + output + "'");
  }
  double timeout = vm["timeout"].as<double>();
  if (!(timeout > 0 && timeout <= 86400))
    throw UsageError("--timeout must be 0 < SECONDS <= 86400");
  if (auto ttl = vm.count("ttl") ? std::optional(vm["ttl"].as<int64_t>()) : std::nullopt;
      ttl && *ttl < 0) {
    throw UsageError("--ttl must be >= 0 seconds (0: never expires)");
  }

  std::string url = kDefaultUrl;
  if (const char* env = io.getenv("APICACHED_URL"); env != nullptr && *env != '\0') url = env;
  if (vm.count("url")) url = vm["url"].as<std::string>();
  Result<BaseUrl> base = ParseBaseUrl(url);
  if (!base.ok()) throw UsageError(base.status().message());

  std::string token;
  if (const char* env = io.getenv("APICACHED_TOKEN"); env != nullptr) token = env;
  if (vm.count("token-file")) token = ReadToken(vm["token-file"].as<std::string>());
  if (vm.count("token")) token = vm["token"].as<std::string>();

  if (vm.count("tls")) base->tls = true;
  TlsClientOptions tls;
  if (vm.count("cacert")) tls.ca_file = vm["cacert"].as<std::string>();
  if (vm.count("cert")) tls.cert_file = vm["cert"].as<std::string>();
  if (vm.count("key")) tls.key_file = vm["key"].as<std::string>();
  if (!base->tls && (vm.count("cacert") || vm.count("cert") || vm.count("key"))) {
    throw UsageError("--cacert, --cert and --key need --tls or an https:// URL");
  }
  HttpClient client(*base, token, std::chrono::milliseconds(static_cast<int64_t>(timeout * 1000.0)),
                    std::move(tls));
  Context ctx{.io = io,
              .client = client,
              .vm = vm,
              .args = std::vector<std::string>(args.begin() + words, args.end()),
              .json_output = output == "json"};
  return fn(ctx);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, CliIo& io) {
  try {
    return Run(args, io);
  } catch (const UsageError& e) {
    io.err << "apicachectl: " << e.what() << "\n";
    return kExitUsage;
  } catch (const po::error& e) {
    io.err << "apicachectl: " << e.what() << "; see apicachectl --help\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    io.err << "apicachectl: " << e.what() << "\n";
    return kExitClientError;
  }
}

}  // namespace apicached::cli
