#include "http/entry_headers.h"

#include <algorithm>
#include <charconv>

#include "storage/media_type.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;

std::string ETag(uint64_t version) {
  char tag[22];
  char* p = tag;
  *p++ = '"';
  p = std::to_chars(p, p + 20, version).ptr;
  *p++ = '"';
  return std::string(tag, p);
}

char* WriteETagJson(uint64_t version, char* p) {
  *p++ = '"';
  *p++ = '\\';
  *p++ = '"';
  p = std::to_chars(p, p + 20, version).ptr;
  *p++ = '\\';
  *p++ = '"';
  *p++ = '"';
  return p;
}

void SetEntryHeaders(Response& res, const cache::ItemMeta& meta, int64_t now_ms) {
  res.set(bhttp::field::etag, ETag(meta.version));
  if (meta.expires_ms == 0) {
    res.set(bhttp::field::cache_control, "no-cache");
  } else {
    const int64_t left = cache::SecondsLeft(meta.expires_ms, now_ms);
    res.set(bhttp::field::cache_control, "max-age=" + std::to_string(left));
  }
  res.set(bhttp::field::age, std::to_string(std::max<int64_t>(0, now_ms - meta.created_ms) / 1000));
  res.set(kFlagsHeader, std::to_string(meta.flags));
}

std::string_view ServedContentType(std::string_view stored) {
  return IsMediaType(stored) ? stored : "application/octet-stream";
}

Response ItemResponse(cache::Item&& item, int64_t now_ms) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, ServedContentType(item.content_type));
  SetEntryHeaders(res, item.meta, now_ms);
  res.body() = std::move(item.value);
  return res;
}

}  // namespace apicached::http
