#include "http/cache_api.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_set>

#include "http/problem.h"
#include "http/value_codec.h"
#include "storage/media_type.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;
using nlohmann::json;

namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";

// The Content-Type of a stored entry: what was stored when it is a media type, otherwise (none
// given, or bytes stored before the store checked them) application/octet-stream, so stored
// bytes can never reach a header unchecked.
std::string_view ServedContentType(std::string_view stored) {
  return IsMediaType(stored) ? stored : kDefaultContentType;
}

// Errors inside a handler travel as a Status; the handler answers ProblemFromStatus().
Status CheckNamespace(std::string_view ns) {
  if (IsInternalNamespace(ns)) {
    return Status::InvalidArgument("namespace names starting with '.' are internal");
  }
  return ValidateNamespaceName(ns);
}

Result<int64_t> ParseInt64(std::string_view name, std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || text.front() == '+') {
    return Status::InvalidArgument("query parameter '" + std::string(name) +
                                   "' must be a decimal 64-bit integer, got '" +
                                   std::string(text.substr(0, 40)) + "'");
  }
  return v;
}

Status CheckTtl(int64_t ttl, const CacheApiOptions& options) {
  if (ttl < 0 || ttl > options.max_ttl_seconds) {
    return Status::InvalidArgument("ttl must be 0 (never expires) to " +
                                   std::to_string(options.max_ttl_seconds) + " seconds, got " +
                                   std::to_string(ttl));
  }
  return Status::Ok();
}

// nullopt when the query has no ttl (store default).
Result<std::optional<int64_t>> QueryTtl(const RequestContext& ctx, const CacheApiOptions& options) {
  auto text = ctx.Query("ttl");
  if (!text) return std::optional<int64_t>();
  auto v = ParseInt64("ttl", *text);
  if (!v.ok()) return v.status();
  if (Status s = CheckTtl(*v, options); !s.ok()) return s;
  return std::optional<int64_t>(*v);
}

std::string ETag(uint64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

// The versions listed in an If-Match / If-None-Match value; `any` for "*". Weak tags (W/"...")
// are accepted; callers decide whether weak comparison applies.
struct ETagList {
  bool any = false;
  std::vector<uint64_t> versions;       // strong tags
  std::vector<uint64_t> weak_versions;  // W/"..." tags
  // Weak comparison (If-None-Match) lets weak tags match; strong comparison (If-Match) does not.
  bool Contains(uint64_t v, bool weak_comparison) const {
    auto in = [v](const std::vector<uint64_t>& list) {
      return std::find(list.begin(), list.end(), v) != list.end();
    };
    return any || in(versions) || (weak_comparison && in(weak_versions));
  }
};

Result<ETagList> ParseETags(std::string_view header, std::string_view field) {
  ETagList out;
  auto bad = [&] {
    return Status::InvalidArgument(std::string(field) +
                                   " must be * or a list of entity tags such as \"42\"");
  };
  size_t i = 0;
  auto skip = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
  };
  skip();
  if (i < header.size() && header[i] == '*') {
    ++i;
    skip();
    if (i != header.size()) return bad();
    out.any = true;
    return out;
  }
  while (i < header.size()) {
    bool weak = false;
    if (header.compare(i, 2, "W/") == 0) {
      weak = true;
      i += 2;
    }
    if (i >= header.size() || header[i] != '"') return bad();
    size_t close = header.find('"', i + 1);
    if (close == std::string_view::npos) return bad();
    std::string_view tag = header.substr(i + 1, close - i - 1);
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), v);
    // A tag that is not one of ours can never match; keep parsing the rest.
    if (!tag.empty() && ec == std::errc() && ptr == tag.data() + tag.size()) {
      (weak ? out.weak_versions : out.versions).push_back(v);
    }
    i = close + 1;
    skip();
  }
  if (header.find('"') == std::string_view::npos) return bad();  // empty or blank
  return out;
}

// The one rounding rule for "seconds left" (Cache-Control max-age, the ttl of _mget): the
// milliseconds left rounded UP to whole seconds, so a PUT with ttl=3600 answers 3600 whether it
// created or replaced and however many milliseconds the write took, and every live entry says
// at least 1. nullopt for "never expires".
std::optional<int64_t> TtlLeft(const EntryInfo& info, int64_t now_ms) {
  if (info.expires_ms == 0) return std::nullopt;
  return (std::max<int64_t>(0, info.expires_ms - now_ms) + 999) / 1000;
}

// Cache headers of a live entry. max-age is TtlLeft (never-expiring entries get "no-cache":
// there is no lifetime to advertise, clients revalidate with the ETag); Age is the whole
// seconds since this version was written, rounded down.
void SetEntryHeaders(Response& res, const EntryInfo& info, int64_t now_ms) {
  res.set(bhttp::field::etag, ETag(info.version));
  if (auto left = TtlLeft(info, now_ms)) {
    res.set(bhttp::field::cache_control, "max-age=" + std::to_string(*left));
  } else {
    res.set(bhttp::field::cache_control, "no-cache");
  }
  res.set(bhttp::field::age, std::to_string(std::max<int64_t>(0, now_ms - info.created_ms) / 1000));
}

Response JsonResponse(unsigned status, std::string body) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

Response Empty(unsigned status) {
  return Response{static_cast<bhttp::status>(status), 11};
}

bool HasBody(const Request& req) {
  return req.find(bhttp::field::content_length) != req.end() || req.chunked();
}

Response LengthRequired() {
  return MakeProblem(411,
                     "This route needs a request body with Content-Length or chunked "
                     "Transfer-Encoding.");
}

// Parses a JSON object body; nesting deeper than max_depth is refused.
Result<json> ParseBody(const Request& req, const CacheApiOptions& options) {
  auto guard = [&](int depth, json::parse_event_t, json&) {
    if (depth > options.max_json_depth) throw std::length_error("nesting");
    return true;
  };
  try {
    json body = json::parse(req.body(), guard);
    if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
    return body;
  } catch (const std::length_error&) {
    return Status::InvalidArgument("the request body is nested deeper than " +
                                   std::to_string(options.max_json_depth) + " levels");
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("the request body is not valid JSON: ") + e.what());
  }
}

// keys without repeats, in the order each was first given.
std::vector<std::string> Unique(std::vector<std::string> keys) {
  std::vector<std::string> out;
  out.reserve(keys.size());  // never reallocates: the views in `seen` point into out
  std::unordered_set<std::string_view> seen;
  for (std::string& k : keys) {
    if (seen.contains(k)) continue;
    out.push_back(std::move(k));
    seen.insert(out.back());
  }
  return out;
}

// body[field] as a list of string keys.
Result<std::vector<std::string>> KeyList(const json& body, const char* field,
                                         const CacheApiOptions& options) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_array()) {
    return Status::InvalidArgument(std::string("the body needs \"") + field +
                                   "\": an array of key strings");
  }
  if (it->size() > options.max_batch_keys) {
    return Status::TooLarge("a batch holds at most " + std::to_string(options.max_batch_keys) +
                            " keys, got " + std::to_string(it->size()));
  }
  std::vector<std::string> keys;
  keys.reserve(it->size());
  for (const json& k : *it) {
    if (!k.is_string()) return Status::InvalidArgument(std::string(field) + " must all be strings");
    keys.push_back(k.get<std::string>());
  }
  return keys;
}

Result<PutItem> ParseMsetEntry(const json& e, const CacheApiOptions& options) {
  if (!e.is_object()) return Status::InvalidArgument("each entry must be a JSON object");
  PutItem item;
  auto key = e.find("key");
  if (key == e.end() || !key->is_string()) {
    return Status::InvalidArgument("each entry needs \"key\": a string");
  }
  item.key = key->get<std::string>();
  auto value = e.find("value");
  if (value == e.end()) return Status::InvalidArgument("entry '" + item.key + "' has no value");
  std::string encoding = value->is_string() ? "utf-8" : "json";
  if (auto enc = e.find("encoding"); enc != e.end()) {
    if (!enc->is_string()) return Status::InvalidArgument("encoding must be a string");
    encoding = enc->get<std::string>();
  }
  if (encoding == "utf-8") {
    if (!value->is_string()) {
      return Status::InvalidArgument("entry '" + item.key + "': utf-8 values must be strings");
    }
    item.value = value->get<std::string>();
    item.content_type = "text/plain; charset=utf-8";
  } else if (encoding == "base64") {
    auto decoded =
        value->is_string() ? Base64Decode(value->get_ref<const std::string&>()) : std::nullopt;
    if (!decoded) {
      return Status::InvalidArgument("entry '" + item.key + "': value is not padded base64");
    }
    item.value = std::move(*decoded);
    item.content_type = std::string(kDefaultContentType);
  } else if (encoding == "json") {
    item.value = value->dump();
    item.content_type = "application/json";
  } else {
    return Status::InvalidArgument("encoding must be \"json\", \"utf-8\" or \"base64\", got '" +
                                   encoding.substr(0, 40) + "'");
  }
  if (auto ct = e.find("content_type"); ct != e.end()) {
    if (!ct->is_string()) return Status::InvalidArgument("content_type must be a string");
    item.content_type = ct->get<std::string>();
  }
  if (auto ttl = e.find("ttl"); ttl != e.end() && !ttl->is_null()) {
    if (!ttl->is_number_integer()) {
      return Status::InvalidArgument("entry '" + item.key + "': ttl must be an integer");
    }
    if (ttl->is_number_unsigned() && ttl->get<uint64_t>() > uint64_t{INT64_MAX}) {
      return Status::InvalidArgument("entry '" + item.key + "': ttl out of range");
    }
    const int64_t v = ttl->get<int64_t>();
    if (Status s = CheckTtl(v, options); !s.ok()) return s;
    item.ttl_seconds = v;
  }
  return item;
}

std::string FiguresJson(const NamespaceFigures& f) {
  return json{{"name", f.name},
              {"approx_live_keys", f.approx_live_keys},
              {"disk_bytes", f.disk_bytes},
              {"expired_dropped", f.expired_dropped},
              {"expired_reads", f.expired_reads},
              {"default_ttl_seconds", f.default_ttl_seconds}}
      .dump();
}

// All routes share this state; one instance per AddCacheRoutes call, owned by the handlers.
class CacheApi {
 public:
  CacheApi(Store& store, CacheApiOptions options, LookupObserver on_lookup)
      : store_(store), options_(options), on_lookup_(std::move(on_lookup)) {}

  Response ListNamespaces(const RequestContext&) {
    auto r = store_.ListNamespaces();
    if (!r.ok()) return ProblemFromStatus(r.status());
    std::string body = "{\"namespaces\":[";
    for (size_t i = 0; i < r->size(); ++i) {
      if (i > 0) body += ',';
      body += FiguresJson((*r)[i]);
    }
    body += "]}";
    return JsonResponse(200, std::move(body));
  }

  Response GetNamespace(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    auto r = store_.GetNamespace(ns);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, FiguresJson(*r));
  }

  Response DeleteNamespace(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    if (auto prefix = ctx.Query("prefix")) {
      if (prefix->empty()) {
        return MakeProblem(400, "prefix must not be empty (DELETE without ?prefix clears all)");
      }
      auto r = store_.DeletePrefix(ns, *prefix);
      if (!r.ok()) return ProblemFromStatus(r.status());
      return JsonResponse(200, json{{"deleted", *r}}.dump());
    }
    if (Status s = store_.ClearNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    return Empty(204);
  }

  Response Get(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    auto r = store_.Get(ns, ctx.Param("key"));
    if (on_lookup_ && (r.ok() || r.code() == Code::kNotFound)) on_lookup_(ns, r.ok(), !r.ok());
    if (!r.ok()) return ProblemFromStatus(r.status());
    const int64_t now = store_.clock().NowMillis();
    const Request& req = ctx.request();
    if (auto inm = req.find(bhttp::field::if_none_match); inm != req.end()) {
      auto tags = ParseETags(inm->value(), "If-None-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (tags->Contains(r->info.version, /*weak_comparison=*/true)) {  // RFC 9110 13.1.2
        Response res = Empty(304);
        SetEntryHeaders(res, r->info, now);
        return res;
      }
    }
    Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, ServedContentType(r->content_type));
    SetEntryHeaders(res, r->info, now);
    res.body() = std::move(r->value);
    return res;
  }

  Response Put(const RequestContext& ctx) {
    const Request& req = ctx.request();
    const std::string& ns = ctx.Param("ns");
    const std::string& key = ctx.Param("key");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    if (!HasBody(req)) return LengthRequired();
    auto ttl = QueryTtl(ctx, options_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    const std::string& value = req.body();
    auto ct_field = req.find(bhttp::field::content_type);
    const std::string_view content_type =
        ct_field == req.end() ? kDefaultContentType : ct_field->value();

    auto inm = req.find(bhttp::field::if_none_match);
    auto im = req.find(bhttp::field::if_match);
    Result<EntryInfo> info = Status::Internal("unset");
    bool created = false;
    if (inm != req.end()) {
      auto tags = ParseETags(inm->value(), "If-None-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (!tags->any) {
        return MakeProblem(400, "PUT supports If-None-Match: * only (store if absent)");
      }
      if (im != req.end()) return MakeProblem(400, "If-Match and If-None-Match are exclusive");
      info = store_.Add(ns, key, value, content_type, *ttl);
      created = true;
    } else if (im != req.end()) {
      auto tags = ParseETags(im->value(), "If-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (!tags->any && tags->versions.size() == 1 && tags->weak_versions.empty()) {
        info = store_.CompareAndSet(ns, key, tags->versions[0], value, content_type, *ttl);
      } else {
        // "*" or a list: any live entry / one of the listed versions; weak tags never match
        // (If-Match uses strong comparison).
        info = Mutate(
            ns, key, value, content_type, *ttl,
            [&](const Entry* current) -> Status {
              if (current == nullptr) return Status::PreconditionFailed("no live entry to replace");
              if (!tags->Contains(current->info.version, /*weak_comparison=*/false)) {
                return Status::PreconditionFailed("the entry's ETag is " +
                                                  ETag(current->info.version));
              }
              return Status::Ok();
            },
            created);
      }
    } else {
      info = Mutate(ns, key, value, content_type, *ttl, nullptr, created);
    }
    if (!info.ok()) return ProblemFromStatus(info.status());
    Response res = Empty(created ? 201 : 204);
    SetEntryHeaders(res, *info, store_.clock().NowMillis());
    return res;
  }

  Response Delete(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    auto r = store_.Delete(ns, ctx.Param("key"));
    if (!r.ok()) return ProblemFromStatus(r.status());
    if (!*r) return MakeProblem(404, "no live entry to delete");
    return Empty(204);
  }

  Response Incr(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    int64_t by = 1;
    if (auto text = ctx.Query("by")) {
      auto v = ParseInt64("by", *text);
      if (!v.ok()) return ProblemFromStatus(v.status());
      by = *v;
    }
    auto ttl = QueryTtl(ctx, options_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    auto r = store_.Incr(ns, ctx.Param("key"), by, *ttl);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"value", *r}}.dump());
  }

  Response Touch(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    auto ttl = QueryTtl(ctx, options_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    auto r = store_.Touch(ns, ctx.Param("key"), *ttl);
    if (!r.ok()) return ProblemFromStatus(r.status());
    Response res = Empty(204);
    SetEntryHeaders(res, *r, store_.clock().NowMillis());
    return res;
  }

  Response MultiGet(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    json body;
    if (auto refused = BatchBody(ctx, body)) return std::move(*refused);
    auto keys = KeyList(body, "keys", options_);
    if (!keys.ok()) return ProblemFromStatus(keys.status());
    // A key asked twice is looked up, counted and answered once: JSON member names are unique.
    *keys = Unique(std::move(*keys));
    auto r = store_.MultiGet(ns, *keys);
    if (!r.ok()) return ProblemFromStatus(r.status());
    if (on_lookup_) {
      const auto hits = static_cast<uint64_t>(
          std::count_if(r->begin(), r->end(), [](const auto& e) { return e.has_value(); }));
      on_lookup_(ns, hits, r->size() - hits);
    }
    const int64_t now = store_.clock().NowMillis();
    std::string found = "{";
    std::string missing = "[";
    for (size_t i = 0; i < keys->size(); ++i) {
      const std::string& key = (*keys)[i];
      const auto& entry = (*r)[i];
      if (!entry) {
        if (missing.size() > 1) missing += ',';
        AppendJsonString(key, missing);
        continue;
      }
      if (found.size() > 1) found += ',';
      AppendJsonString(key, found);
      found += ":{";
      AppendValueJson(entry->value, entry->content_type, found);
      found += ",\"content_type\":";
      AppendJsonString(IsValidUtf8(entry->content_type) ? entry->content_type : "", found);
      found += ",\"etag\":";
      AppendJsonString(ETag(entry->info.version), found);
      found += ",\"ttl\":";
      auto left = TtlLeft(entry->info, now);
      found += left ? std::to_string(*left) : "null";
      found += '}';
    }
    return JsonResponse(200, "{\"found\":" + found + "},\"missing\":" + missing + "]}");
  }

  Response MultiSet(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    json body;
    if (auto refused = BatchBody(ctx, body)) return std::move(*refused);
    auto entries = body.find("entries");
    if (entries == body.end() || !entries->is_array()) {
      return MakeProblem(400, "the body needs \"entries\": an array of {key, value, ...}");
    }
    if (entries->size() > options_.max_batch_keys) {
      return MakeProblem(413, "a batch holds at most " + std::to_string(options_.max_batch_keys) +
                                  " entries, got " + std::to_string(entries->size()));
    }
    std::vector<PutItem> items;
    items.reserve(entries->size());
    for (const json& e : *entries) {
      auto item = ParseMsetEntry(e, options_);
      if (!item.ok()) return ProblemFromStatus(item.status());
      items.push_back(std::move(*item));
    }
    auto r = store_.MultiPut(ns, items);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"stored", r->size()}}.dump());
  }

  Response MultiDelete(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    json body;
    if (auto refused = BatchBody(ctx, body)) return std::move(*refused);
    auto keys = KeyList(body, "keys", options_);
    if (!keys.ok()) return ProblemFromStatus(keys.status());
    auto r = store_.DeleteMany(ns, *keys);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"deleted", *r}}.dump());
  }

 private:
  // What the batch routes share: the namespace check and the JSON object body. An error answer
  // when either is wrong.
  std::optional<Response> BatchBody(const RequestContext& ctx, json& body) {
    if (Status s = CheckNamespace(ctx.Param("ns")); !s.ok()) return ProblemFromStatus(s);
    if (!HasBody(ctx.request())) return LengthRequired();
    auto parsed = ParseBody(ctx.request(), options_);
    if (!parsed.ok()) return ProblemFromStatus(parsed.status());
    body = std::move(*parsed);
    return std::nullopt;
  }

  // A put through Store::Mutate so that we learn whether the key was new; `check` (optional)
  // refuses the write with its Status.
  Result<EntryInfo> Mutate(std::string_view ns, std::string_view key, std::string_view value,
                           std::string_view content_type, std::optional<int64_t> ttl,
                           const std::function<Status(const Entry*)>& check, bool& created) {
    auto r = store_.Mutate(ns, key, [&](const Entry* current) -> Result<Mutation> {
      if (check) {
        if (Status s = check(current); !s.ok()) return s;
      }
      created = current == nullptr;
      Mutation m;
      m.kind = Mutation::Kind::kPut;
      m.value = std::string(value);
      m.content_type = std::string(content_type);
      m.ttl_seconds = ttl;
      return m;
    });
    if (!r.ok()) return r.status();
    if (!r->has_value()) return Status::Internal("Mutate stored nothing");
    return (*r)->info;
  }

  Store& store_;
  CacheApiOptions options_;
  LookupObserver on_lookup_;
};

}  // namespace

void AddCacheRoutes(Router& router, Store& store, CacheApiOptions options,
                    LookupObserver on_lookup) {
  auto api = std::make_shared<CacheApi>(store, options, std::move(on_lookup));
  auto bind = [api](Response (CacheApi::*method)(const RequestContext&)) {
    return [api, method](const RequestContext& ctx) { return ((*api).*method)(ctx); };
  };
  router.Add(Verb::get, "/v1/cache", bind(&CacheApi::ListNamespaces));
  router.Add(Verb::get, "/v1/cache/{ns}", bind(&CacheApi::GetNamespace));
  router.Add(Verb::delete_, "/v1/cache/{ns}", bind(&CacheApi::DeleteNamespace));
  router.Add(Verb::get, "/v1/cache/{ns}/{key}", bind(&CacheApi::Get));
  router.Add(Verb::put, "/v1/cache/{ns}/{key}", bind(&CacheApi::Put));
  router.Add(Verb::delete_, "/v1/cache/{ns}/{key}", bind(&CacheApi::Delete));
  router.Add(Verb::post, "/v1/cache/{ns}/{key}/incr", bind(&CacheApi::Incr));
  router.Add(Verb::post, "/v1/cache/{ns}/{key}/touch", bind(&CacheApi::Touch));
  router.Add(Verb::post, "/v1/cache/{ns}/_mget", bind(&CacheApi::MultiGet));
  router.Add(Verb::post, "/v1/cache/{ns}/_mset", bind(&CacheApi::MultiSet));
  router.Add(Verb::post, "/v1/cache/{ns}/_mdelete", bind(&CacheApi::MultiDelete));
}

}  // namespace apicached::http
