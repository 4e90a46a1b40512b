// Composition of memcached replies, byte for byte as memcached 1.6.18 writes them. Each function
// appends to `out`, so that a session answers a pipeline of commands into one buffer. The fixed
// lines (STORED, END, the errors) are in memcached/replies.h.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "memcached/request.h"

namespace apicached::memcached {

// "VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n" (get/gets/gat/gats).
void AppendValue(std::string& out, std::string_view key, uint32_t client_flags,
                 std::string_view data, std::optional<uint64_t> cas);

// "<value>\r\n" (incr/decr).
void AppendNumberLine(std::string& out, uint64_t value);

// "STAT <name> <value>\r\n" (stats; the list ends with reply::kEnd).
void AppendStat(std::string& out, std::string_view name, std::string_view value);
void AppendStat(std::string& out, std::string_view name, uint64_t value);

// "VERSION <version>\r\n".
void AppendVersion(std::string& out, std::string_view version);

// What a meta reply may report about an item.
struct MetaItem {
  uint32_t client_flags = 0;
  uint64_t cas = 0;
  int64_t ttl_seconds = -1;          // remaining; -1: never expires
  uint64_t size = 0;                 // value bytes
  bool hit_before = false;           // 'h'
  uint64_t last_access_seconds = 0;  // 'l'
  bool won = false;                  // 'W': this client won the right to recache
  bool win_sent = false;             // 'Z': another client already won
  bool stale = false;                // 'X'
};

// One meta reply line: `code` ("HD", "EN", "NF", "NS", "EX"), or "VA <size>" followed by the
// value block when `value` is given; then the request's return flags, in request order, that are
// in `returnable` (for example "Ok" on a miss: opaque and key only) and that `item` can answer
// (item may be null: only O and k then); then Z, X and W as `item` says.
//   O<opaque> -> " O<opaque>"        k -> " k<key>" (plus " b" for a base64 key, as sent)
//   c -> " c<cas>"  f -> " f<flags>"  t -> " t<ttl>"  s -> " s<size>"  h -> " h0|1"  l -> " l<s>"
void AppendMetaReply(std::string& out, std::string_view code, const Request& request,
                     const MetaItem* item, std::string_view returnable,
                     std::optional<std::string_view> value = std::nullopt);

// "ME <key> exp=<e> la=<l> cas=<c> fetch=<yes|no> cls=1 size=<s>\r\n" (me). exp is memcached's
// odd sign: minus the remaining seconds, or -1 for never.
void AppendMetaDebug(std::string& out, const Request& request, const MetaItem& item);

}  // namespace apicached::memcached
