// Item: an entry as the cache layer hands it to every front (value, content type, metadata).
//
// Thread safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/shared_block.h"

namespace apicached::cache {

// An entry's metadata as every front shows it.
struct ItemMeta {
  uint32_t flags = 0;      // memcached's client flags, stored and returned unchanged
  uint64_t version = 0;    // unique per write of a key, also across restarts: ETag, CAS unique
  int64_t created_ms = 0;  // when this version was written (Unix ms)
  int64_t expires_ms = 0;  // Unix ms; 0: never expires (see SecondsLeft in expiry.h)
  uint64_t size = 0;       // bytes of the value
  // With a grace period (stale-while-revalidate, WriteRequest::grace_seconds): the end of the
  // grace, when the entry is gone for good; expires_ms is then the end of its TTL. 0: none.
  int64_t stale_until_ms = 0;
};

struct Item {
  std::string value;
  std::string content_type;  // as written; empty when the writer gave none (memcached)
  ItemMeta meta;
};

// An Item whose bytes are shared with the store's RAM tier (CacheService::GetShared): value and
// content_type stay valid as long as owner (or a copy of it) lives.
struct SharedItem {
  std::string_view value;
  std::string_view content_type;
  ItemMeta meta;
  BlockRef owner;
};

}  // namespace apicached::cache
