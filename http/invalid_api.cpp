#include "http/invalid_api.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "http/problem.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;
using nlohmann::json;

namespace {

// The PUT body is one flat object; anything nested deeper is refused before it is built.
constexpr int kMaxBodyDepth = 2;

Response JsonResponse(unsigned status, const json& body) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  // Identifiers are ASCII by rule, but /v1/ruc echoes whatever the path held.
  res.body() = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return res;
}

Result<int64_t> ParseNonNegative(std::string_view name, std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < 0) {
    return Status::InvalidArgument("query parameter '" + std::string(name) +
                                   "' must be a non-negative decimal integer, got '" +
                                   std::string(text.substr(0, 40)) + "'");
  }
  return v;
}

struct ReportBody {
  std::string reason;
  std::optional<int64_t> ttl_seconds;
};

Result<ReportBody> ParseReportBody(const RequestContext& ctx) {
  const std::string& text = ctx.request().body();
  json body;
  try {
    body = json::parse(text, [](int depth, json::parse_event_t, json&) {
      if (depth > kMaxBodyDepth) throw std::length_error("nesting");
      return true;
    });
  } catch (const std::length_error&) {
    return Status::InvalidArgument("body nests too deep; it is one object {\"reason\", \"ttl\"}");
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) {
    return Status::InvalidArgument("body must be a JSON object {\"reason\": \"...\", \"ttl\": n}");
  }
  ReportBody out;
  for (const auto& [name, value] : body.items()) {
    if (name == "reason") {
      if (!value.is_string()) return Status::InvalidArgument("\"reason\" must be a string");
      out.reason = value.get<std::string>();
    } else if (name == "ttl") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return Status::InvalidArgument("\"ttl\" must be a non-negative integer of seconds");
      }
      out.ttl_seconds = value.get<int64_t>();
    } else {
      return Status::InvalidArgument("unknown field \"" + name.substr(0, 40) +
                                     "\"; the body holds \"reason\" and optionally \"ttl\"");
    }
  }
  if (!body.contains("reason")) return Status::InvalidArgument("body lacks \"reason\"");
  if (auto query_ttl = ctx.Query("ttl")) {
    if (out.ttl_seconds.has_value()) {
      return Status::InvalidArgument("ttl given both in the body and the query; give one");
    }
    Result<int64_t> ttl = ParseNonNegative("ttl", *query_ttl);
    if (!ttl.ok()) return ttl.status();
    out.ttl_seconds = *ttl;
  }
  return out;
}

Result<bool> ParseFlag(std::string_view name, std::optional<std::string_view> text) {
  if (!text.has_value()) return false;
  if (*text == "1" || *text == "true" || text->empty()) return true;
  if (*text == "0" || *text == "false") return false;
  return Status::InvalidArgument("query parameter '" + std::string(name) +
                                 "' must be 1, true, 0 or false");
}

}  // namespace

void AddInvalidRoutes(Router& router, InvalidRegistry& registry, RucService& ruc_service,
                      InvalidApiOptions options) {
  router.Add(Verb::put, "/v1/invalid/{list}/{id}", [&registry](const RequestContext& ctx) {
    Result<ReportBody> body = ParseReportBody(ctx);
    if (!body.ok()) return ProblemFromStatus(body.status());
    Result<InvalidReport> report =
        registry.Report(ctx.Param("list"), ctx.Param("id"), body->reason, body->ttl_seconds);
    if (!report.ok()) return ProblemFromStatus(report.status());
    return JsonResponse(report->created ? 201 : 200, InvalidRecordToJson(report->record));
  });

  router.Add(Verb::get, "/v1/invalid/{list}/{id}", [&registry](const RequestContext& ctx) {
    Result<InvalidRecord> record = registry.Get(ctx.Param("list"), ctx.Param("id"));
    if (!record.ok()) return ProblemFromStatus(record.status());
    return JsonResponse(200, InvalidRecordToJson(*record));
  });

  router.Add(Verb::get, "/v1/invalid/{list}", [&registry, options](const RequestContext& ctx) {
    size_t limit = options.default_page_size;
    if (auto text = ctx.Query("limit")) {
      Result<int64_t> v = ParseNonNegative("limit", *text);
      if (!v.ok()) return ProblemFromStatus(v.status());
      limit = static_cast<size_t>(*v);
    }
    std::optional<std::string> after;
    if (auto text = ctx.Query("after"); text.has_value() && !text->empty()) {
      after = std::string(*text);
    }
    Result<InvalidPage> page = registry.List(ctx.Param("list"), std::move(after), limit);
    if (!page.ok()) return ProblemFromStatus(page.status());
    json records = json::object();
    for (const auto& [id, record] : page->records) records[id] = InvalidRecordToJson(record);
    return JsonResponse(
        200, json{{"records", std::move(records)},
                  {"next_after", page->next_after ? json(*page->next_after) : json(nullptr)}});
  });

  router.Add(Verb::delete_, "/v1/invalid/{list}/{id}", [&registry](const RequestContext& ctx) {
    Result<bool> removed = registry.Remove(ctx.Param("list"), ctx.Param("id"));
    if (!removed.ok()) return ProblemFromStatus(removed.status());
    if (!*removed) {
      return MakeProblem(404, "'" + ctx.Param("id").substr(0, 64) +
                                  "' is not in invalid-ID list '" + ctx.Param("list") + "'");
    }
    return Response{bhttp::status::no_content, 11};
  });

  router.Add(Verb::get, "/v1/ruc/{ruc}", [&ruc_service](const RequestContext& ctx) {
    Result<bool> record = ParseFlag("record", ctx.Query("record"));
    if (!record.ok()) return ProblemFromStatus(record.status());
    Result<RucAnswer> answer = ruc_service.Lookup(ctx.Param("ruc"), *record);
    if (!answer.ok()) return ProblemFromStatus(answer.status());
    return JsonResponse(200, RucAnswerToJson(*answer));
  });
}

}  // namespace apicached::http
