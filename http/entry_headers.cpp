#include "http/entry_headers.h"

#include <algorithm>

namespace apicached::http {

namespace bhttp = boost::beast::http;

std::string ETag(uint64_t version) {
  return "\"" + std::to_string(version) + "\"";
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

}  // namespace apicached::http
