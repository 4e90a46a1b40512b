// CacheService: construction, the checks every call makes (namespace, TTL, write size), the
// counters, and the reads. Writes are in cache_service_writes.cpp, batches and namespaces in
// cache_service_batches.cpp, leases in cache_service_leases.cpp.
#include "cache/cache_service.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "cache/cache_service_internal.h"
#include "cache/entry_items.h"

namespace apicached::cache {

using internal::Bump;

namespace {

// Counters are kept in kCounterStripes copies per protocol; each thread adds to its own copy
// (threads take the copies in turn), so that I/O threads counting every lookup do not bounce
// one cache line between cores. Counters() sums the copies.
constexpr size_t kCounterStripes = 16;

size_t ThreadStripe() {
  static std::atomic<size_t> next{0};
  thread_local const size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kCounterStripes;
  return stripe;
}

}  // namespace

ItemMeta MetaOf(const Entry& entry) {
  return MetaOf(entry.info, entry.value.size());
}

CacheService::CacheService(Store& store, const Clock& clock, CacheServiceOptions options,
                           CacheObserver* observer)
    : store_(store),
      clock_(clock),
      options_(options),
      observer_(observer),
      leases_(options.leases),
      counters_(std::make_unique<AtomicCounters[]>(kProtocolCount * kCounterStripes)) {}

CacheService::~CacheService() = default;

Status CacheService::CheckNamespace(std::string_view ns) {
  if (IsInternalNamespace(ns)) {
    return Status::InvalidArgument("namespace names starting with '.' are internal");
  }
  return ValidateNamespaceName(ns);
}

Status CacheService::CheckTtlSeconds(int64_t ttl) const {
  if (ttl < 0 || ttl > options_.max_ttl_seconds) {
    return Status::InvalidArgument("ttl must be 0 (never expires) to " +
                                   std::to_string(options_.max_ttl_seconds) + " seconds, got " +
                                   std::to_string(ttl));
  }
  return Status::Ok();
}

Status CacheService::CheckWrite(std::string_view ns, std::string_view key,
                                size_t value_bytes) const {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  const StoreOptions& o = store_.options();
  if (key.empty() || key.size() > o.max_key_bytes) {
    return Status::InvalidArgument("keys are 1 to " + std::to_string(o.max_key_bytes) +
                                   " bytes, got " + std::to_string(key.size()));
  }
  if (value_bytes > o.max_value_bytes) {
    return Status::TooLarge("value is " + std::to_string(value_bytes) + " bytes; at most " +
                            std::to_string(o.max_value_bytes) + " are allowed");
  }
  return Status::Ok();
}

Result<CacheService::StoreTtl> CacheService::Resolve(Expiry expiry) const {
  int64_t ttl = 0;
  switch (expiry.kind()) {
    case Expiry::Kind::kDefault:
      return StoreTtl{};
    case Expiry::Kind::kNever:
      return StoreTtl{.ttl_seconds = 0};
    case Expiry::Kind::kExpired:
      return StoreTtl{.expired = true, .ttl_seconds = std::nullopt};
    case Expiry::Kind::kAfter:
      ttl = expiry.seconds();
      break;
    case Expiry::Kind::kAt: {
      // Whole seconds from the current second: the entry expires within the second after T.
      const int64_t now_s = clock_.NowMillis() / 1000;
      if (expiry.seconds() <= now_s) return StoreTtl{.expired = true, .ttl_seconds = std::nullopt};
      ttl = expiry.seconds() - now_s;
      break;
    }
  }
  if (Status s = CheckTtlSeconds(ttl); !s.ok()) return s;
  return StoreTtl{.ttl_seconds = ttl};
}

CacheService::AtomicCounters& CacheService::counters(Protocol p) const {
  return counters_[static_cast<size_t>(p) * kCounterStripes + ThreadStripe()];
}

void CacheService::CountLookup(Protocol p, std::string_view ns, uint64_t hits, uint64_t misses) {
  AtomicCounters& c = counters(p);
  Bump(c.cmd_get, hits + misses);
  Bump(c.get_hits, hits);
  Bump(c.get_misses, misses);
  if (observer_ != nullptr) observer_->OnLookup(p, ns, hits, misses);
}

void CacheService::CountLease(Protocol p, std::string_view ns, LeaseEvent e) {
  if (observer_ != nullptr) observer_->OnLease(p, ns, e);
}

OpCounters CacheService::Counters(Protocol protocol) const {
  OpCounters sum;
  for (size_t i = 0; i < kCounterStripes; ++i) {
    counters_[static_cast<size_t>(protocol) * kCounterStripes + i].AddTo(sum);
  }
  return sum;
}

// --- Reads -----------------------------------------------------------------------------------

template <typename ItemT, typename Read>
Result<ItemT> CacheService::LiveItem(Result<Read> r) const {
  if (r.ok() && !Fresh(r->info, clock_.NowMillis())) r = NoLiveEntry();
  if (!r.ok()) return r.status();
  return ToItem(std::move(*r));
}

Result<Item> CacheService::Get(Protocol p, std::string_view ns, std::string_view key) {
  Result<Item> r = Peek(ns, key);
  if (Answered(r.status())) CountLookup(p, ns, r.ok() ? 1 : 0, r.ok() ? 0 : 1);
  return r;
}

Result<Item> CacheService::Peek(std::string_view ns, std::string_view key) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return LiveItem<Item>(store_.Get(ns, key));
}

Result<SharedItem> CacheService::GetShared(Protocol p, std::string_view ns, std::string_view key) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  Result<SharedItem> r = LiveItem<SharedItem>(store_.GetShared(ns, key));
  if (Answered(r.status())) CountLookup(p, ns, r.ok() ? 1 : 0, r.ok() ? 0 : 1);
  return r;
}

template <typename ItemT, typename FetchFn>
Result<std::vector<std::optional<ItemT>>> CacheService::MultiGetAs(Protocol p,
                                                                   std::span<const KeyRef> keys,
                                                                   FetchFn fetch) {
  // The keys grouped by namespace, in the order each namespace first appears.
  struct Group {
    std::string_view ns;
    std::vector<size_t> at;
    std::vector<std::string_view> keys;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.ns == keys[i].ns; });
    if (it == groups.end()) {
      if (Status s = CheckNamespace(keys[i].ns); !s.ok()) return s;
      it = groups.insert(groups.end(), Group{.ns = keys[i].ns, .at = {}, .keys = {}});
      it->at.reserve(keys.size());
      it->keys.reserve(keys.size());
    }
    it->at.push_back(i);
    it->keys.push_back(keys[i].key);
  }
  std::vector<std::optional<ItemT>> out(keys.size());
  for (Group& g : groups) {
    auto r = fetch(g.ns, g.keys);
    if (!r.ok()) return r.status();
    uint64_t hits = 0;
    const int64_t now = clock_.NowMillis();
    for (size_t j = 0; j < g.at.size(); ++j) {
      if (!(*r)[j] || !Fresh((*r)[j]->info, now)) continue;
      ++hits;
      out[g.at[j]] = ToItem(std::move(*(*r)[j]));
    }
    CountLookup(p, g.ns, hits, g.at.size() - hits);
  }
  return out;
}

Result<std::vector<std::optional<Item>>> CacheService::MultiGet(Protocol p,
                                                                std::span<const KeyRef> keys) {
  return MultiGetAs<Item>(
      p, keys, [&](std::string_view ns, const std::vector<std::string_view>& group) {
        return store_.MultiGet(ns, std::vector<std::string>(group.begin(), group.end()));
      });
}

Result<std::vector<std::optional<SharedItem>>> CacheService::MultiGetShared(
    Protocol p, std::span<const KeyRef> keys) {
  return MultiGetAs<SharedItem>(
      p, keys, [&](std::string_view ns, const std::vector<std::string_view>& group) {
        return store_.MultiGetShared(ns, group);
      });
}

Result<std::optional<Entry>> CacheService::TouchEntry(std::string_view ns, std::string_view key,
                                                      const StoreTtl& ttl,
                                                      int64_t* expires_ms_before) {
  std::optional<Entry> before;  // the entry as it was, for an Expired() touch that deletes it
  bool stale = false;           // in its grace period: no live entry to touch
  auto r = store_.Mutate(ns, key, [&](const Entry* current) -> Result<Mutation> {
    if (current == nullptr) return Mutation::Keep();
    if (!Fresh(current->info, clock_.NowMillis())) {
      stale = true;
      return Mutation::Keep();
    }
    if (expires_ms_before != nullptr) *expires_ms_before = current->info.expires_ms;
    if (!ttl.expired) return Mutation::Touch(ttl.ttl_seconds);
    before = *current;
    before->info.expires_ms = clock_.NowMillis();
    return Mutation::Delete();
  });
  if (!r.ok()) return r.status();
  if (stale) return std::optional<Entry>();
  return before ? std::move(before) : std::move(*r);
}

void CacheService::CountTouch(Protocol p, bool hit) {
  AtomicCounters& c = counters(p);
  Bump(c.cmd_touch);
  Bump(hit ? c.touch_hits : c.touch_misses);
}

Result<Item> CacheService::GetAndTouch(Protocol p, std::string_view ns, std::string_view key,
                                       Expiry expiry, int64_t* expires_ms_before) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  auto ttl = Resolve(expiry);
  if (!ttl.ok()) return ttl.status();
  auto found = TouchEntry(ns, key, *ttl, expires_ms_before);
  if (!found.ok()) return found.status();
  const bool hit = found->has_value();
  CountTouch(p, hit);
  CountLookup(p, ns, hit ? 1 : 0, hit ? 0 : 1);
  if (!hit) return NoLiveEntry();
  Changed(ns, key);
  return ToItem(std::move(**found));
}

}  // namespace apicached::cache
