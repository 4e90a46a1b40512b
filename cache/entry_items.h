// How the cache layer turns a store Entry into what clients see (private to cache/): the TTL a
// client is told ends before the grace period, an Item with its metadata, and the statuses every
// cache call answers with.
#pragma once

#include <cstdint>
#include <utility>

#include "cache/expiry.h"
#include "cache/item.h"
#include "storage/status.h"
#include "storage/store.h"

namespace apicached::cache {

// The end of an entry's TTL: its store expiry less its grace period.
inline int64_t FreshUntil(const EntryInfo& info) {
  if (info.expires_ms == 0 || info.grace_seconds == 0) return info.expires_ms;
  return info.expires_ms - int64_t{info.grace_seconds} * 1000;
}

// False for an entry in its grace period: past its TTL, kept only for stale readers.
inline bool Fresh(const EntryInfo& info, int64_t now_ms) {
  const int64_t until = FreshUntil(info);
  return until == 0 || now_ms < until;
}

inline ItemMeta MetaOf(const EntryInfo& info, uint64_t size) {
  return ItemMeta{.flags = info.flags,
                  .version = info.version,
                  .created_ms = info.created_ms,
                  .expires_ms = FreshUntil(info),
                  .size = size,
                  .stale_until_ms = info.grace_seconds > 0 ? info.expires_ms : 0};
}

inline Item ToItem(Entry&& entry) {
  const ItemMeta meta = MetaOf(entry.info, entry.value.size());
  return Item{
      .value = std::move(entry.value), .content_type = std::move(entry.content_type), .meta = meta};
}

inline SharedItem ToItem(SharedEntry&& entry) {
  return SharedItem{.value = entry.value,
                    .content_type = entry.content_type,
                    .meta = MetaOf(entry.info, entry.value.size()),
                    .owner = std::move(entry.owner)};
}

// Lookups and writes refused before the store answered count nowhere; NotFound is an answer.
inline bool Answered(const Status& s) {
  return s.ok() || s.code() == Code::kNotFound;
}

inline Status NoLiveEntry() {
  return Status::NotFound("no live entry");
}

// An Expiry that keeps an entry's current expiry (to the second).
inline Expiry KeepExpiry(int64_t expires_ms) {
  return expires_ms == 0 ? Expiry::Never() : Expiry::AtUnix((expires_ms + 999) / 1000);
}

}  // namespace apicached::cache
