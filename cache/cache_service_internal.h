// What cache_service.cpp, cache_service_writes.cpp and cache_service_batches.cpp share (private
// to cache/): the per-protocol operation counters, the store form of an Expiry, and the small
// builders of requests and mutations.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cache/cache_service.h"
#include "cache/entry_items.h"

namespace apicached::cache {
namespace internal {

using Counter = std::atomic<uint64_t>;

inline void Bump(Counter& c, uint64_t n = 1) {
  if (n != 0) c.fetch_add(n, std::memory_order_relaxed);
}

// GCC 12 warns on designated initializers that leave fields out; fields are set by name here.
inline WriteRequest Request(WriteMode mode, std::string_view data, uint32_t flags = 0,
                            Expiry expiry = Expiry::Default()) {
  WriteRequest r;
  r.mode = mode;
  r.data = data;
  r.flags = flags;
  r.expiry = expiry;
  return r;
}

inline Mutation Put(std::string value, std::string content_type, uint32_t flags,
                    std::optional<int64_t> ttl_seconds, uint32_t grace_seconds = 0) {
  Mutation m;
  m.grace_seconds = grace_seconds;
  m.kind = Mutation::Kind::kPut;
  m.value = std::move(value);
  m.content_type = std::move(content_type);
  m.flags = flags;
  m.ttl_seconds = ttl_seconds;
  return m;
}

inline Status CheckVersion(const Entry* current, std::optional<uint64_t> expected) {
  if (!expected) return Status::Ok();
  if (current == nullptr) return NoLiveEntry();
  if (current->info.version != *expected) {
    return Status::PreconditionFailed("the entry is at version " +
                                      std::to_string(current->info.version) + ", not " +
                                      std::to_string(*expected));
  }
  return Status::Ok();
}

}  // namespace internal

struct alignas(64) CacheService::AtomicCounters {
  internal::Counter cmd_get{0}, get_hits{0}, get_misses{0}, cmd_set{0}, total_items{0},
      cmd_touch{0}, touch_hits{0}, touch_misses{0}, delete_hits{0}, delete_misses{0}, incr_hits{0},
      incr_misses{0}, decr_hits{0}, decr_misses{0}, cas_hits{0}, cas_misses{0}, cas_badval{0},
      cmd_flush{0};

  // Adds this copy's counts to `sum`.
  void AddTo(OpCounters& sum) const {
    auto v = [](const internal::Counter& c) { return c.load(std::memory_order_relaxed); };
    const OpCounters mine{.cmd_get = v(cmd_get),
                          .get_hits = v(get_hits),
                          .get_misses = v(get_misses),
                          .cmd_set = v(cmd_set),
                          .total_items = v(total_items),
                          .cmd_touch = v(cmd_touch),
                          .touch_hits = v(touch_hits),
                          .touch_misses = v(touch_misses),
                          .delete_hits = v(delete_hits),
                          .delete_misses = v(delete_misses),
                          .incr_hits = v(incr_hits),
                          .incr_misses = v(incr_misses),
                          .decr_hits = v(decr_hits),
                          .decr_misses = v(decr_misses),
                          .cas_hits = v(cas_hits),
                          .cas_misses = v(cas_misses),
                          .cas_badval = v(cas_badval),
                          .cmd_flush = v(cmd_flush)};
    sum += mine;
  }
};

// What an Expiry means for the store at the time of a call.
struct CacheService::StoreTtl {
  bool expired = false;  // Expiry::Expired(), or an AtUnix already past
  std::optional<int64_t> ttl_seconds = std::nullopt;  // the store form: nullopt default, 0 never
};

}  // namespace apicached::cache
