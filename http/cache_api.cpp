#include "http/cache_api.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "http/entry_headers.h"
#include "http/etag_list.h"
#include "http/key_list_body.h"
#include "http/lease_get.h"
#include "http/problem.h"
#include "http/put_combiner.h"
#include "http/value_codec.h"
#include "storage/key_hash.h"
#include "storage/media_type.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;
using cache::CacheService;
using cache::Expiry;
using cache::ItemMeta;
using nlohmann::json;

constexpr cache::Protocol kHttp = cache::Protocol::kHttp;

namespace {

constexpr std::string_view kDefaultContentType = "application/octet-stream";

// Errors inside a handler travel as a Status; the handler answers ProblemFromStatus(). The
// namespace is checked before anything else (a bad name is a 400 before a missing body's 411).
Status CheckNamespace(std::string_view ns) {
  return CacheService::CheckNamespace(ns);
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

// The ?ttl of a request in the store's form: absent (nullopt) -> the namespace default, 0 ->
// never, N -> N seconds. HTTP has no "already expired": a negative ttl is a 400, as one past the
// layer's maximum.
Result<std::optional<int64_t>> QueryTtl(const RequestContext& ctx, const CacheService& cache) {
  auto text = ctx.Query("ttl");
  if (!text) return std::optional<int64_t>();
  auto v = ParseInt64("ttl", *text);
  if (!v.ok()) return v.status();
  if (Status s = cache.CheckTtlSeconds(*v); !s.ok()) return s;
  return std::optional<int64_t>(*v);
}

// Appends `,"etag":"\"<version>\"","flags":<flags>,"ttl":<seconds left or null>}`, the end of
// an _mget entry, in one append from a buffer on the stack: its seven small appends were 5% of a
// 100-key _mget's CPU (each a call into std::string and memmove).
void AppendEntryTail(const cache::ItemMeta& meta, int64_t now_ms, std::string& out) {
  constexpr std::string_view kEtag = ",\"etag\":", kFlags = ",\"flags\":", kTtl = ",\"ttl\":";
  char buf[kEtag.size() + kETagJsonMaxBytes + kFlags.size() + 10 + kTtl.size() + 20 + 1];
  char* p = std::copy(kEtag.begin(), kEtag.end(), buf);
  p = WriteETagJson(meta.version, p);
  p = std::copy(kFlags.begin(), kFlags.end(), p);
  p = std::to_chars(p, p + 10, meta.flags).ptr;
  p = std::copy(kTtl.begin(), kTtl.end(), p);
  const int64_t left = cache::SecondsLeft(meta.expires_ms, now_ms);
  if (left >= 0) {
    p = std::to_chars(p, p + 20, left).ptr;
  } else {
    p = std::copy_n("null", 4, p);
  }
  *p++ = '}';
  out.append(buf, p);
}

Expiry ToExpiry(std::optional<int64_t> ttl) {
  if (!ttl) return Expiry::Default();
  return *ttl == 0 ? Expiry::Never() : Expiry::After(*ttl);
}

// The X-Apicached-Flags of a PUT (memcached's client flags): 0 when absent.
Result<uint32_t> RequestFlags(const Request& req) {
  auto field = req.find(kFlagsHeader);
  if (field == req.end()) return uint32_t{0};
  const std::string_view text = field->value();
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(kFlagsHeader) +
                                   " must be a decimal 32-bit unsigned integer");
  }
  return v;
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

// Drops the repeats from keys, in place, keeping the order each key was first given in. One
// open-addressing table of indexes (one allocation, at most half full) instead of a hash set with
// a node per key: for a 100-key _mget that was 100 mallocs and frees (docs/benchmarks.md, "The
// entries' bytes at once").
void DropRepeats(std::vector<std::string>& keys) {
  if (keys.size() < 2) return;
  constexpr uint32_t kEmpty = UINT32_MAX;
  const size_t mask = std::bit_ceil(keys.size() * 2) - 1;
  std::vector<uint32_t> table(mask + 1, kEmpty);  // indexes of kept keys
  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    // A keyed hash: keys picked to share a probe run under std::hash would make this O(n^2).
    size_t at = KeyHash(keys[i]) & mask;
    bool repeat = false;
    for (; table[at] != kEmpty; at = (at + 1) & mask) {
      if (keys[table[at]] == keys[i]) {
        repeat = true;
        break;
      }
    }
    if (repeat) continue;
    if (kept != i) keys[kept] = std::move(keys[i]);
    table[at] = static_cast<uint32_t>(kept++);
  }
  keys.resize(kept);
}

Result<PutItem> ParseMsetEntry(const json& e, const CacheService& cache) {
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
    if (Status s = cache.CheckTtlSeconds(v); !s.ok()) return s;
    item.ttl_seconds = v;
  }
  if (auto flags = e.find("flags"); flags != e.end() && !flags->is_null()) {
    if (!flags->is_number_unsigned() || flags->get<uint64_t>() > UINT32_MAX) {
      return Status::InvalidArgument("entry '" + item.key +
                                     "': flags must be an integer from 0 to 4294967295");
    }
    item.flags = flags->get<uint32_t>();
  }
  return item;
}

std::string FiguresJson(const NamespaceFigures& f) {
  return json{
      {"name", f.name},
      {"approx_live_keys", f.approx_live_keys},
      {"disk_bytes", f.disk_bytes},
      {"expired_dropped", f.expired_dropped},
      {"expired_reads", f.expired_reads},
      {"default_ttl_seconds", f.default_ttl_seconds},
      // Size bounds (docs/storage.md): quota_bytes null when the namespace has none.
      {"quota_bytes", f.quota_bytes > 0 ? json(f.quota_bytes) : json(nullptr)},
      {"used_bytes", f.used_bytes},
      {"evictions",
       {{"quota", f.evicted_quota}, {"disk", f.evicted_disk}, {"expired", f.evicted_expired}}}}
      .dump();
}

// All routes share this state; one instance per AddCacheRoutes call, owned by the handlers.
class CacheApi {
 public:
  CacheApi(CacheService& cache, CacheApiOptions options)
      : cache_(cache), options_(options), puts_(cache) {}

  Response ListNamespaces(const RequestContext&) {
    auto r = cache_.ListNamespaces();
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
    auto r = cache_.GetNamespace(ctx.Param("ns"));
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, FiguresJson(*r));
  }

  Response DeleteNamespace(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    if (auto drop = ctx.Query("drop")) {
      if (*drop != "true" || ctx.Query("prefix")) {
        return MakeProblem(400, "drop takes the value true and no prefix");
      }
      auto r = cache_.Drop(kHttp, ns);
      if (!r.ok()) return ProblemFromStatus(r.status());
      if (!*r) return MakeProblem(404, "namespace '" + ns + "' does not exist");
      return Empty(204);
    }
    if (auto prefix = ctx.Query("prefix")) {
      if (prefix->empty()) {
        return MakeProblem(400, "prefix must not be empty (DELETE without ?prefix clears all)");
      }
      auto r = cache_.DeletePrefix(kHttp, ns, *prefix);
      if (!r.ok()) return ProblemFromStatus(r.status());
      return JsonResponse(200, json{{"deleted", *r}}.dump());
    }
    if (Status s = cache_.Clear(kHttp, ns); !s.ok()) return ProblemFromStatus(s);
    return Empty(204);
  }

  Response Get(const RequestContext& ctx) {
    if (WantsLease(ctx)) return LeaseGet(ctx, cache_);
    auto r = cache_.Get(kHttp, ctx.Param("ns"), ctx.Param("key"));
    if (!r.ok()) return ProblemFromStatus(r.status());
    const int64_t now = cache_.clock().NowMillis();
    const Request& req = ctx.request();
    if (auto inm = req.find(bhttp::field::if_none_match); inm != req.end()) {
      auto tags = ParseETags(inm->value(), "If-None-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (tags->Contains(r->meta.version, /*weak_comparison=*/true)) {  // RFC 9110 13.1.2
        Response res = Empty(304);
        SetEntryHeaders(res, r->meta, now);
        return res;
      }
    }
    return ItemResponse(std::move(*r), now);
  }

  Response Put(const RequestContext& ctx) {
    const Request& req = ctx.request();
    const std::string& ns = ctx.Param("ns");
    const std::string& key = ctx.Param("key");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    if (!HasBody(req)) return LengthRequired();
    auto ttl = QueryTtl(ctx, cache_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    auto flags = RequestFlags(req);
    if (!flags.ok()) return ProblemFromStatus(flags.status());
    auto lease = RequestLeaseToken(req);
    if (!lease.ok()) return ProblemFromStatus(lease.status());
    uint32_t grace = 0;
    if (auto text = ctx.Query("grace")) {
      auto v = ParseInt64("grace", *text);
      if (!v.ok()) return ProblemFromStatus(v.status());
      if (Status s = cache_.CheckTtlSeconds(*v); !s.ok()) {
        return MakeProblem(400, "grace must be 0 to " +
                                    std::to_string(cache_.options().max_ttl_seconds) + " seconds");
      }
      grace = static_cast<uint32_t>(std::min<int64_t>(*v, UINT32_MAX));
    }
    auto ct_field = req.find(bhttp::field::content_type);
    cache::WriteRequest write;
    write.data = req.body();
    write.content_type = ct_field == req.end() ? kDefaultContentType : ct_field->value();
    write.flags = *flags;
    write.expiry = ToExpiry(*ttl);
    write.report_created = true;
    write.lease_token = *lease;
    write.grace_seconds = grace;

    auto inm = req.find(bhttp::field::if_none_match);
    auto im = req.find(bhttp::field::if_match);
    Result<cache::WriteResult> r = Status::Internal("unset");
    if (inm != req.end()) {
      auto tags = ParseETags(inm->value(), "If-None-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (!tags->any) {
        return MakeProblem(400, "PUT supports If-None-Match: * only (store if absent)");
      }
      if (im != req.end()) return MakeProblem(400, "If-Match and If-None-Match are exclusive");
      write.mode = cache::WriteMode::kAdd;
      r = cache_.Write(kHttp, ns, key, write);
    } else if (im != req.end()) {
      auto tags = ParseETags(im->value(), "If-Match");
      if (!tags.ok()) return ProblemFromStatus(tags.status());
      if (tags->any) {
        write.mode = cache::WriteMode::kReplace;
      } else if (tags->versions.size() == 1 && tags->weak_versions.empty()) {
        write.expected_version = tags->versions[0];
      } else {
        // A list: one of the listed versions; weak tags never match (If-Match uses strong
        // comparison).
        return PutIfListed(ns, key, write, *ttl, *tags);
      }
      r = cache_.Write(kHttp, ns, key, write);
      if (r.code() == Code::kNotFound) r = Status::PreconditionFailed("no live entry to replace");
    } else if (options_.combine_puts && !write.lease_token && write.grace_seconds == 0 &&
               write.expiry.kind() != cache::Expiry::Kind::kExpired) {
      return HoldPut(ctx, ns, key, write);
    } else {
      r = cache_.Write(kHttp, ns, key, write);
    }
    if (!r.ok()) return ProblemFromStatus(r.status());
    return Written(r->created, r->meta);
  }

  // A plain PUT held for its I/O thread's next commit, written there with the other
  // connections' (http/put_combiner.h); the answer comes after that commit.
  Response HoldPut(const RequestContext& ctx, std::string_view ns, std::string_view key,
                   const cache::WriteRequest& w) {
    auto put = std::make_shared<HeldPut>();
    put->write.ns = ns;
    put->write.key = key;
    put->write.data = w.data;
    put->write.content_type = w.content_type;
    put->write.flags = w.flags;
    put->write.expiry = w.expiry;
    put->answer = [this](bool created, const cache::ItemMeta& meta) {
      return Written(created, meta);
    };
    ctx.Defer([this, put = std::move(put)](boost::asio::any_io_executor io, Complete done) {
      puts_.Hold(io, put, std::move(done));
    });
    return Response{};  // unused: the answer is deferred
  }

  Response Delete(const RequestContext& ctx) {
    Status s = cache_.Delete(kHttp, ctx.Param("ns"), ctx.Param("key"));
    if (s.code() == Code::kNotFound) return MakeProblem(404, "no live entry to delete");
    if (!s.ok()) return ProblemFromStatus(s);
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
    auto ttl = QueryTtl(ctx, cache_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    auto r = cache_.IncrSigned(kHttp, ns, ctx.Param("key"), by, ToExpiry(*ttl));
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"value", *r}}.dump());
  }

  Response Touch(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    if (Status s = CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
    auto ttl = QueryTtl(ctx, cache_);
    if (!ttl.ok()) return ProblemFromStatus(ttl.status());
    auto r = cache_.Touch(kHttp, ns, ctx.Param("key"), ToExpiry(*ttl));
    if (!r.ok()) return ProblemFromStatus(r.status());
    Response res = Empty(204);
    SetEntryHeaders(res, *r, cache_.clock().NowMillis());
    return res;
  }

  Response MultiGet(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    std::vector<std::string> keys;
    if (auto refused = BatchKeys(ctx, keys)) return std::move(*refused);
    // A key asked twice is looked up, counted and answered once: JSON member names are unique.
    DropRepeats(keys);
    std::vector<cache::KeyRef> refs;
    refs.reserve(keys.size());
    for (const std::string& key : keys) refs.push_back({ns, key});
    auto r = cache_.MultiGetShared(kHttp, refs);  // the values stay in their blocks
    if (!r.ok()) return ProblemFromStatus(r.status());
    const int64_t now = cache_.clock().NowMillis();
    // One buffer for the answer, the found entries written straight into it; the missing keys
    // (names only) go after them.
    std::string out = "{\"found\":{";
    std::string missing = ",\"missing\":[";
    // Reserved whole (a value as base64 at most, plus its fields): a 100-key answer of 500-byte
    // values otherwise grew by copying itself several times.
    size_t answer_bytes = 64;
    for (size_t i = 0; i < keys.size(); ++i) {
      answer_bytes += 128 + keys[i].size();
      if (const auto& item = (*r)[i]) {
        answer_bytes += item->value.size() / 3 * 4 + 4 + item->content_type.size();
        // Every entry's bytes are asked for now, so that the reads from memory overlap instead
        // of each waiting its turn below: the content type (compared first) and the value's
        // start sit in blocks all over the RAM tier (docs/benchmarks.md, "The entries' bytes at
        // once").
        __builtin_prefetch(item->content_type.data());
        __builtin_prefetch(item->value.data());
        __builtin_prefetch(item->value.data() + 64);
      }
    }
    out.reserve(answer_bytes);
    bool first_found = true;
    bool first_missing = true;
    struct {  // the last content type written, as entries of one batch mostly share one
      std::string_view as_stored;
      bool is_json = false;
      std::string json;  // as a JSON string
    } content_type;
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& key = keys[i];
      const auto& item = (*r)[i];
      if (!item) {
        if (!std::exchange(first_missing, false)) missing += ',';
        AppendJsonString(key, missing);
        continue;
      }
      if (!std::exchange(first_found, false)) out += ',';
      AppendJsonString(key, out);
      out += ":{";
      if (item->content_type != content_type.as_stored || content_type.json.empty()) {
        content_type.as_stored = item->content_type;  // the item stays in r until the return
        content_type.is_json = IsJsonContentType(item->content_type);
        content_type.json.clear();
        if (!AppendJsonStringIfUtf8(item->content_type, content_type.json)) {
          content_type.json = "\"\"";
        }
      }
      AppendValueJson(item->value, content_type.is_json, out);
      out += ",\"content_type\":";
      out += content_type.json;
      AppendEntryTail(item->meta, now, out);
    }
    out += '}';
    out += missing;
    out += "]}";
    return JsonResponse(200, std::move(out));
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
      auto item = ParseMsetEntry(e, cache_);
      if (!item.ok()) return ProblemFromStatus(item.status());
      items.push_back(std::move(*item));
    }
    auto r = cache_.MultiSet(kHttp, ns, items);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"stored", r->size()}}.dump());
  }

  Response MultiDelete(const RequestContext& ctx) {
    const std::string& ns = ctx.Param("ns");
    std::vector<std::string> keys;
    if (auto refused = BatchKeys(ctx, keys)) return std::move(*refused);
    auto r = cache_.DeleteMany(kHttp, ns, keys);
    if (!r.ok()) return ProblemFromStatus(r.status());
    return JsonResponse(200, json{{"deleted", *r}}.dump());
  }

 private:
  // What the batch routes share: the namespace check and a body. An error answer when either is
  // wrong.
  std::optional<Response> BatchChecks(const RequestContext& ctx) {
    if (Status s = CheckNamespace(ctx.Param("ns")); !s.ok()) return ProblemFromStatus(s);
    if (!HasBody(ctx.request())) return LengthRequired();
    return std::nullopt;
  }

  // The batch checks, then the body as a JSON object (_mset).
  std::optional<Response> BatchBody(const RequestContext& ctx, json& body) {
    if (auto refused = BatchChecks(ctx)) return refused;
    auto parsed = ParseBody(ctx.request(), options_);
    if (!parsed.ok()) return ProblemFromStatus(parsed.status());
    body = std::move(*parsed);
    return std::nullopt;
  }

  // The batch checks, then the body's "keys" list, read without a DOM (key_list_body.h).
  std::optional<Response> BatchKeys(const RequestContext& ctx, std::vector<std::string>& keys) {
    if (auto refused = BatchChecks(ctx)) return refused;
    auto read = ReadKeyList(ctx.request().body(), options_.max_json_depth, options_.max_batch_keys);
    if (!read.ok()) return ProblemFromStatus(read.status());
    keys = std::move(*read);
    return std::nullopt;
  }

  // 201 for a new key, 204 for a replaced one, with the entry's headers.
  Response Written(bool created, const ItemMeta& meta) {
    Response res = Empty(created ? 201 : 204);
    SetEntryHeaders(res, meta, cache_.clock().NowMillis());
    return res;
  }

  // PUT with If-Match listing several tags: stores only over one of the listed versions.
  Response PutIfListed(std::string_view ns, std::string_view key, const cache::WriteRequest& w,
                       std::optional<int64_t> ttl, const ETagList& tags) {
    auto r = cache_.Mutate(kHttp, ns, key, [&](const Entry* current) -> Result<Mutation> {
      if (current == nullptr) return Status::PreconditionFailed("no live entry to replace");
      if (!tags.Contains(current->info.version, /*weak_comparison=*/false)) {
        return Status::PreconditionFailed("the entry's ETag is " + ETag(current->info.version));
      }
      Mutation m;
      m.kind = Mutation::Kind::kPut;
      m.value = std::string(w.data);
      m.content_type = std::string(w.content_type);
      m.flags = w.flags;
      m.ttl_seconds = ttl;
      return m;
    });
    if (!r.ok()) return ProblemFromStatus(r.status());
    if (!r->has_value()) return ProblemFromStatus(Status::Internal("Mutate stored nothing"));
    return Written(false, cache::MetaOf(**r));
  }

  CacheService& cache_;
  CacheApiOptions options_;
  PutRunner puts_;
};

}  // namespace

void AddCacheRoutes(Router& router, CacheService& cache, CacheApiOptions options) {
  auto api = std::make_shared<CacheApi>(cache, options);
  auto bind = [api](Response (CacheApi::*method)(const RequestContext&)) {
    return [api, method](const RequestContext& ctx) { return ((*api).*method)(ctx); };
  };
  // The entry writes run on the I/O threads while their namespace exists and nothing throttles
  // writes; the first write of a namespace (RocksDB holds back every write while it creates one)
  // and a throttled one run on the write threads (router.h, server.h). Dropping a namespace
  // always does.
  const RouteOptions entry_write{.quick_write_if = [&cache](const RequestContext& ctx) {
    return cache.WritesWithoutWaiting(ctx.Param("ns"));
  }};
  router.Add(Verb::get, "/v1/cache", bind(&CacheApi::ListNamespaces));
  router.Add(Verb::get, "/v1/cache/{ns}", bind(&CacheApi::GetNamespace));
  router.Add(Verb::delete_, "/v1/cache/{ns}", bind(&CacheApi::DeleteNamespace));
  router.Add(Verb::get, "/v1/cache/{ns}/{key}", bind(&CacheApi::Get));
  router.Add(Verb::put, "/v1/cache/{ns}/{key}", bind(&CacheApi::Put), entry_write);
  router.Add(Verb::delete_, "/v1/cache/{ns}/{key}", bind(&CacheApi::Delete), entry_write);
  router.Add(Verb::post, "/v1/cache/{ns}/{key}/incr", bind(&CacheApi::Incr), entry_write);
  router.Add(Verb::post, "/v1/cache/{ns}/{key}/touch", bind(&CacheApi::Touch), entry_write);
  // A POST that only reads: on the I/O threads, as GET (router.h).
  router.Add(Verb::post, "/v1/cache/{ns}/_mget", bind(&CacheApi::MultiGet),
             RouteOptions{.reads_only = true});
  router.Add(Verb::post, "/v1/cache/{ns}/_mset", bind(&CacheApi::MultiSet), entry_write);
  router.Add(Verb::post, "/v1/cache/{ns}/_mdelete", bind(&CacheApi::MultiDelete), entry_write);
}

}  // namespace apicached::http
