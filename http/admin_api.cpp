#include "http/admin_api.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "http/problem.h"
#include "storage/store.h"

namespace apicached::http {
namespace {

using nlohmann::json;

Response Json(unsigned status, const json& body) {
  Response res{static_cast<boost::beast::http::status>(status), 11};
  res.set(boost::beast::http::field::content_type, "application/json");
  res.body() = body.dump();
  return res;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// "checkpoint-20260125T103000123Z" for the given wall-clock milliseconds.
std::string CheckpointName(int64_t now_ms) {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), "%03d", static_cast<int>(now_ms % 1000));
  return std::string("checkpoint-") + buf + ms + "Z";
}

class AdminApi {
 public:
  AdminApi(StoreAdmin& store, const Clock& clock, AdminOptions options)
      : store_(store), clock_(clock), options_(std::move(options)) {}

  Response Compact(const RequestContext& ctx) {
    std::string ns(ctx.Query("ns").value_or(""));
    if (!ns.empty()) {
      if (Status s = ValidateNamespaceName(ns); !s.ok()) return ProblemFromStatus(s);
    }
    auto start = std::chrono::steady_clock::now();
    auto report = store_.RunMaintenance(ns);
    if (!report.ok()) return ProblemFromStatus(report.status());
    if (options_.extra_maintenance) {
      if (Status s = options_.extra_maintenance(); !s.ok()) return ProblemFromStatus(s);
    }
    return Json(200, json{{"namespace", ns.empty() ? json(nullptr) : json(ns)},
                          {"namespaces_checked", report->namespaces_checked},
                          {"namespaces_compacted", report->namespaces_compacted},
                          {"expired_dropped", report->expired_dropped},
                          {"seconds", SecondsSince(start)}});
  }

  Response Checkpoint(const RequestContext&) {
    if (options_.backup_dir.empty()) {
      return MakeProblem(409,
                         "no backup directory is configured (start apicached with --backup-dir)");
    }
    std::error_code ec;
    std::filesystem::create_directories(options_.backup_dir, ec);
    if (ec) {
      return MakeProblem(
          503, "cannot create the backup directory '" + options_.backup_dir + "': " + ec.message());
    }
    ::chmod(options_.backup_dir.c_str(), 0700);
    auto start = std::chrono::steady_clock::now();
    std::string base = options_.backup_dir + "/" + CheckpointName(clock_.NowMillis());
    std::string path = base;
    for (int i = 2; std::filesystem::exists(path, ec); ++i) path = base + "-" + std::to_string(i);
    if (Status s = store_.Checkpoint(path); !s.ok()) return ProblemFromStatus(s);
    return Json(200, json{{"path", path}, {"seconds", SecondsSince(start)}});
  }

 private:
  StoreAdmin& store_;
  const Clock& clock_;
  AdminOptions options_;
};

}  // namespace

void AddAdminRoutes(Router& router, StoreAdmin& store, const Clock& clock, AdminOptions options) {
  auto api = std::make_shared<AdminApi>(store, clock, std::move(options));
  router.Add(Verb::post, "/v1/admin/compact",
             [api](const RequestContext& ctx) { return api->Compact(ctx); });
  router.Add(Verb::post, "/v1/admin/checkpoint",
             [api](const RequestContext& ctx) { return api->Checkpoint(ctx); });
}

}  // namespace apicached::http
