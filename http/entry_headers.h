// The HTTP headers that describe a cache entry (GET, HEAD, 304, and the answers of PUT and
// touch): ETag from the version, Cache-Control and Age from the expiry and creation time, and
// X-Apicached-Flags with memcached's client flags.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cache/cache_service.h"
#include "http/router.h"

namespace apicached::http {

// Request (PUT) and response header carrying an entry's 32-bit client flags, in decimal.
inline constexpr std::string_view kFlagsHeader = "X-Apicached-Flags";

// "\"<version>\"", the strong entity tag of an entry version.
std::string ETag(uint64_t version);
// The same tag as a JSON string ("\"<version>\"", its quotes escaped), written at p, which has
// room for kETagJsonMaxBytes; returns the end. For answers written without temporaries (_mget).
inline constexpr size_t kETagJsonMaxBytes = 26;
char* WriteETagJson(uint64_t version, char* p);

// ETag; Cache-Control "max-age=<seconds left>" with the one rounding rule for seconds left
// (cache::SecondsLeft: milliseconds left rounded UP, so a PUT with ttl=3600 answers 3600 and
// every live entry says at least 1; never-expiring entries: "no-cache", there is no lifetime to
// advertise, clients revalidate with the ETag); Age, the whole seconds since this version was
// written, rounded down; X-Apicached-Flags.
void SetEntryHeaders(Response& res, const cache::ItemMeta& meta, int64_t now_ms);

// The Content-Type a stored entry is served with: what was stored when it is a media type,
// otherwise (none given, or bytes stored before the store checked them)
// application/octet-stream, so stored bytes never reach a header unchecked.
std::string_view ServedContentType(std::string_view stored);

// 200 with the item's value, its served Content-Type and SetEntryHeaders.
Response ItemResponse(cache::Item&& item, int64_t now_ms);

}  // namespace apicached::http
