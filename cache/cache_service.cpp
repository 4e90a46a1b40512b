#include "cache/cache_service.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "cache/counter_value.h"
#include "cache/entry_items.h"

namespace apicached::cache {

namespace {

using Counter = std::atomic<uint64_t>;

void Bump(Counter& c, uint64_t n = 1) {
  if (n != 0) c.fetch_add(n, std::memory_order_relaxed);
}

// Counters are kept in kCounterStripes copies per protocol; each thread adds to its own copy
// (threads take the copies in turn), so that I/O threads counting every lookup do not bounce
// one cache line between cores. Counters() sums the copies.
constexpr size_t kCounterStripes = 16;

size_t ThreadStripe() {
  static std::atomic<size_t> next{0};
  thread_local const size_t stripe = next.fetch_add(1, std::memory_order_relaxed) % kCounterStripes;
  return stripe;
}

// GCC 12 warns on designated initializers that leave fields out; fields are set by name here.
WriteRequest Request(WriteMode mode, std::string_view data, uint32_t flags = 0,
                     Expiry expiry = Expiry::Default()) {
  WriteRequest r;
  r.mode = mode;
  r.data = data;
  r.flags = flags;
  r.expiry = expiry;
  return r;
}

Mutation Put(std::string value, std::string content_type, uint32_t flags,
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

Status CheckVersion(const Entry* current, std::optional<uint64_t> expected) {
  if (!expected) return Status::Ok();
  if (current == nullptr) return NoLiveEntry();
  if (current->info.version != *expected) {
    return Status::PreconditionFailed("the entry is at version " +
                                      std::to_string(current->info.version) + ", not " +
                                      std::to_string(*expected));
  }
  return Status::Ok();
}

}  // namespace

ItemMeta MetaOf(const Entry& entry) {
  return MetaOf(entry.info, entry.value.size());
}

struct alignas(64) CacheService::AtomicCounters {
  Counter cmd_get{0}, get_hits{0}, get_misses{0}, cmd_set{0}, total_items{0}, cmd_touch{0},
      touch_hits{0}, touch_misses{0}, delete_hits{0}, delete_misses{0}, incr_hits{0},
      incr_misses{0}, decr_hits{0}, decr_misses{0}, cas_hits{0}, cas_misses{0}, cas_badval{0},
      cmd_flush{0};

  // Adds this copy's counts to `sum`.
  void AddTo(OpCounters& sum) const {
    auto v = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
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

// --- Writes ----------------------------------------------------------------------------------

Result<WriteResult> CacheService::Write(Protocol p, std::string_view ns, std::string_view key,
                                        const WriteRequest& request) {
  if (request.invalidate_if_older) {
    WriteRequest plain = request;
    plain.invalidate_if_older = false;
    auto r = Write(p, ns, key, plain);
    if (r.code() != Code::kPreconditionFailed || !request.expected_version) return r;
    // memcached's do_store_item: an older cas stores stale, keeping expiry and won mark.
    auto current = Get(p, ns, key);
    if (!current.ok() || *request.expected_version >= current->meta.version) return r;
    const bool won = leases_.Holder(ns, key, current->meta.version, clock_.NowMillis()).granted;
    plain.expected_version = current->meta.version;
    plain.expiry = KeepExpiry(current->meta.expires_ms);
    r = Write(p, ns, key, plain);
    if (r.ok()) leases_.MarkStale(ns, key, r->meta.version, won);
    return r;
  }
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  const bool appending = request.mode == WriteMode::kAppend || request.mode == WriteMode::kPrepend;
  auto ttl = appending && !request.vivify ? Result<StoreTtl>(StoreTtl{}) : Resolve(request.expiry);
  if (!ttl.ok()) return ttl.status();
  AtomicCounters& c = counters(p);
  auto finish = [&](Result<WriteResult> r) -> Result<WriteResult> {
    if (r.ok() || r.code() == Code::kNotFound || r.code() == Code::kAlreadyExists ||
        r.code() == Code::kPreconditionFailed) {
      Bump(c.cmd_set);
    }
    if (r.ok()) {
      Bump(c.total_items);
      Written(ns, key);
      Changed(ns, key);  // as Redis's SET, also one that expires at once
    }
    if (request.expected_version) {
      if (r.ok()) Bump(c.cas_hits);
      if (r.code() == Code::kNotFound) Bump(c.cas_misses);
      if (r.code() == Code::kPreconditionFailed) Bump(c.cas_badval);
    }
    return r;
  };

  // The common writes go straight to the store: no read first.
  if (request.grace_seconds > 0) {
    if (Status s = CheckTtlSeconds(request.grace_seconds); !s.ok()) {
      return Status::InvalidArgument("grace: " + s.message());
    }
  }
  const bool plain = !ttl->expired && !request.expected_version && !request.lease_token &&
                     request.grace_seconds == 0;
  if (plain && request.mode == WriteMode::kSet) {
    auto r = store_.Put(ns, key, request.data, request.content_type, ttl->ttl_seconds,
                        request.flags, request.report_created);
    if (!r.ok()) return finish(r.status());
    // An entry in its grace period is past its TTL: writing over it creates, as below.
    const bool created =
        request.report_created && (!r->replaced || !Fresh(*r->replaced, clock_.NowMillis()));
    return finish(WriteResult{.meta = MetaOf(*r, request.data.size()), .created = created});
  }
  if (plain && request.mode == WriteMode::kAdd) {
    auto r =
        store_.Add(ns, key, request.data, request.content_type, ttl->ttl_seconds, request.flags);
    // A key in its grace period refuses the store's add: the read-modify-write below, which
    // treats it as absent, decides.
    if (r.code() != Code::kAlreadyExists) {
      if (!r.ok()) return finish(r.status());
      return finish(WriteResult{.meta = MetaOf(*r, request.data.size()), .created = true});
    }
  }

  bool created = false;
  std::optional<ItemMeta> expired_meta;  // what an Expired() write reports
  auto r = store_.Mutate(ns, key, [&](const Entry* stored) -> Result<Mutation> {
    // The lease of a stale entry belongs to its version; everything else sees it as absent.
    if (request.lease_token &&
        !leases_.Valid(ns, key, *request.lease_token, stored ? stored->info.version : 0)) {
      return Status::PreconditionFailed("the lease token is not the key's current lease");
    }
    const Entry* current = stored && Fresh(stored->info, clock_.NowMillis()) ? stored : nullptr;
    if (Status s = CheckVersion(current, request.expected_version); !s.ok()) return s;
    if (request.mode == WriteMode::kAdd && current != nullptr) {
      return Status::AlreadyExists("the key already has a live entry");
    }
    if (current == nullptr &&
        (request.mode == WriteMode::kReplace || (appending && !request.vivify))) {
      return NoLiveEntry();
    }
    created = current == nullptr;
    if (appending && current != nullptr) {
      std::string value = request.mode == WriteMode::kAppend
                              ? current->value + std::string(request.data)
                              : std::string(request.data) + current->value;
      Mutation m = Put(std::move(value), current->content_type, current->info.flags, {});
      m.keep_expiry = true;
      return m;
    }
    if (ttl->expired) {
      const int64_t now = clock_.NowMillis();
      expired_meta = ItemMeta{.flags = request.flags,
                              .version = 0,
                              .created_ms = now,
                              .expires_ms = now,
                              .size = request.data.size()};
      return Mutation::Delete();
    }
    return Put(std::string(request.data), std::string(request.content_type), request.flags,
               ttl->ttl_seconds, request.grace_seconds);
  });
  if (!r.ok()) return finish(r.status());
  if (expired_meta) return finish(WriteResult{.meta = *expired_meta, .created = created});
  if (!r->has_value()) return finish(Status::Internal("the store kept nothing of a write"));
  const Entry& e = **r;
  return finish(WriteResult{.meta = MetaOf(e.info, e.value.size()), .created = created});
}

Result<WriteResult> CacheService::Set(Protocol p, std::string_view ns, std::string_view key,
                                      std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kSet, data, flags, expiry));
}

Result<WriteResult> CacheService::Add(Protocol p, std::string_view ns, std::string_view key,
                                      std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kAdd, data, flags, expiry));
}

Result<WriteResult> CacheService::Replace(Protocol p, std::string_view ns, std::string_view key,
                                          std::string_view data, uint32_t flags, Expiry expiry) {
  return Write(p, ns, key, Request(WriteMode::kReplace, data, flags, expiry));
}

Result<WriteResult> CacheService::Append(Protocol p, std::string_view ns, std::string_view key,
                                         std::string_view data) {
  return Write(p, ns, key, Request(WriteMode::kAppend, data));
}

Result<WriteResult> CacheService::Prepend(Protocol p, std::string_view ns, std::string_view key,
                                          std::string_view data) {
  return Write(p, ns, key, Request(WriteMode::kPrepend, data));
}

Result<WriteResult> CacheService::CompareAndSet(Protocol p, std::string_view ns,
                                                std::string_view key, uint64_t expected_version,
                                                std::string_view data, uint32_t flags,
                                                Expiry expiry) {
  WriteRequest r = Request(WriteMode::kSet, data, flags, expiry);
  r.expected_version = expected_version;
  return Write(p, ns, key, r);
}

Status CacheService::Delete(Protocol p, std::string_view ns, std::string_view key,
                            std::optional<uint64_t> expected_version) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  Status result;
  if (!expected_version) {
    auto r = store_.Delete(ns, key);
    if (!r.ok()) return r.status();
    if (!*r) result = NoLiveEntry();
  } else {
    auto r = store_.Mutate(ns, key, [&](const Entry* current) -> Result<Mutation> {
      if (Status s = CheckVersion(current, expected_version); !s.ok()) return s;
      return Mutation::Delete();
    });
    if (!r.ok() && r.code() != Code::kNotFound && r.code() != Code::kPreconditionFailed) {
      return r.status();
    }
    result = r.status();
  }
  AtomicCounters& c = counters(p);
  if (result.code() != Code::kPreconditionFailed) {
    Bump(result.ok() ? c.delete_hits : c.delete_misses);
  }
  return result;
}

Result<ArithResult> CacheService::Arith(Protocol p, std::string_view ns, std::string_view key,
                                        const ArithRequest& request) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  Result<StoreTtl> create_ttl =
      request.create_with ? Resolve(*request.create_with) : Result<StoreTtl>(StoreTtl{});
  if (!create_ttl.ok()) return create_ttl.status();
  Result<StoreTtl> new_ttl =
      request.new_expiry ? Resolve(*request.new_expiry) : Result<StoreTtl>(StoreTtl{});
  if (!new_ttl.ok()) return new_ttl.status();

  uint64_t result = 0;
  bool hit = false;
  bool created = false;
  uint64_t old_version = 0;
  bool in_place = false;  // the new digits fit the old value (CounterBytes pads them)
  auto r = store_.Mutate(ns, key, [&](const Entry* stored) -> Result<Mutation> {
    const Entry* current = stored && Fresh(stored->info, clock_.NowMillis()) ? stored : nullptr;
    created = false;
    if (current == nullptr) {
      if (!request.create_with) return NoLiveEntry();
      created = true;
      result = request.initial;
      if (create_ttl->expired) return Mutation::Delete();
      return Put(std::to_string(result), "", 0, create_ttl->ttl_seconds);
    }
    hit = true;
    if (Status s = CheckVersion(current, request.expected_version); !s.ok()) return s;
    const std::optional<uint64_t> now = ParseCounter(current->value);
    if (!now) return Status::Conflict("cannot increment or decrement non-numeric value");
    result = ApplyDelta(*now, request.delta, request.decrement);
    old_version = current->info.version;
    in_place = CounterDigits(result) <= current->value.size();
    if (request.new_expiry && new_ttl->expired) return Mutation::Delete();
    Mutation m = Put(CounterBytes(result, current->value.size()), current->content_type,
                     current->info.flags, new_ttl->ttl_seconds);
    m.keep_expiry = !request.new_expiry;
    return m;
  });
  if (Answered(r.status())) {
    AtomicCounters& c = counters(p);
    if (request.decrement) {
      Bump(hit ? c.decr_hits : c.decr_misses);
    } else {
      Bump(hit ? c.incr_hits : c.incr_misses);
    }
  }
  if (!r.ok()) return r.status();
  // Read before Written ends them.
  const MetaMarks marks =
      in_place && r->has_value() ? ReadMetaMarks(ns, key, old_version) : MetaMarks{};
  Written(ns, key);
  if (hit || r->has_value()) Changed(ns, key);
  ArithResult out{.value = result, .meta = {}, .created = created};
  if (r->has_value()) {
    out.meta = MetaOf((**r).info, (**r).value.size());
    RestoreMetaMarks(ns, key, out.meta.version, marks);
  }
  return out;
}

Result<int64_t> CacheService::IncrSigned(Protocol p, std::string_view ns, std::string_view key,
                                         int64_t delta, Expiry on_create) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  auto ttl = Resolve(on_create);
  if (!ttl.ok()) return ttl.status();
  if (ttl->expired) return Status::InvalidArgument("a counter cannot be created already expired");
  auto r = store_.Incr(ns, key, delta, ttl->ttl_seconds);
  if (r.ok()) {
    Bump(counters(p).incr_hits);
    Written(ns, key);
    Changed(ns, key);
  }
  return r;
}

Result<ItemMeta> CacheService::Touch(Protocol p, std::string_view ns, std::string_view key,
                                     Expiry expiry) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  auto ttl = Resolve(expiry);
  if (!ttl.ok()) return ttl.status();
  auto found = TouchEntry(ns, key, *ttl);
  if (!found.ok()) return found.status();
  CountTouch(p, found->has_value());
  if (!found->has_value()) return NoLiveEntry();
  Changed(ns, key);
  return MetaOf((**found).info, (**found).value.size());
}

Result<std::optional<Entry>> CacheService::Mutate(Protocol p, std::string_view ns,
                                                  std::string_view key, const MutateFn& fn) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  // An entry in its grace period is past its TTL: absent for a read-modify-write, as for every
  // other write (Redis INCR/APPEND, HTTP If-Match used to see the stale value as current).
  bool changed = false;  // as the last run of fn decided (the store may run it again)
  auto r = store_.Mutate(ns, key, [&](const Entry* current) -> Result<Mutation> {
    const Entry* live = current != nullptr && Fresh(current->info, now) ? current : nullptr;
    Result<Mutation> m = fn(live);
    // A delete counts even of an absent key: callers that delete only a live key keep an
    // absent one; Redis's SET with a past deadline deletes and is a write.
    changed = m.ok() && m->kind != Mutation::Kind::kKeep &&
              (m->kind != Mutation::Kind::kTouch || live != nullptr);
    return m;
  });
  if (r.ok()) {
    Bump(counters(p).cmd_set);
    Written(ns, key);
    if (changed) Changed(ns, key);
    if (r->has_value() && !Fresh((*r)->info, now)) *r = std::nullopt;  // kept as it was: stale
  }
  return r;
}

// --- Batches and namespaces ------------------------------------------------------------------

Result<std::vector<ItemMeta>> CacheService::MultiSet(Protocol p, std::string_view ns,
                                                     const std::vector<PutItem>& items) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].ttl_seconds || items[i].expires_at_ms) continue;
    if (Status s = CheckTtlSeconds(*items[i].ttl_seconds); !s.ok()) {
      return Status(s.code(), "entry '" + items[i].key + "': " + s.message());
    }
  }
  auto r = store_.MultiPut(ns, items);
  if (!r.ok()) return r.status();
  std::vector<ItemMeta> out;
  out.reserve(r->size());
  for (size_t i = 0; i < r->size(); ++i) out.push_back(MetaOf((*r)[i], items[i].value.size()));
  AtomicCounters& c = counters(p);
  Bump(c.cmd_set, out.size());
  Bump(c.total_items, out.size());
  for (const PutItem& item : items) {
    Written(ns, item.key);
    Changed(ns, item.key);
  }
  return out;
}

Result<std::vector<AtomicWriteResult>> CacheService::WriteAtomically(
    Protocol p, const std::vector<AtomicWrite>& writes) {
  std::vector<BatchWrite> batch(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    const AtomicWrite& w = writes[i];
    BatchWrite& b = batch[i];
    Status s = CheckNamespace(w.ns);
    Result<StoreTtl> ttl = StoreTtl{};
    if (s.ok() && !w.remove && !w.expires_at_ms) {
      ttl = Resolve(w.expiry);
      s = ttl.status();
    }
    if (!s.ok()) return Status(s.code(), "write " + std::to_string(i) + ": " + s.message());
    b.ns = w.ns;
    b.key = w.key;
    b.expected_version = w.expected_version;
    if (w.remove || ttl->expired) {
      b.kind = BatchWrite::Kind::kDelete;
      continue;
    }
    b.value = w.data;
    b.content_type = w.content_type;
    b.flags = w.flags;
    b.ttl_seconds = ttl->ttl_seconds;
    b.expires_at_ms = w.expires_at_ms;
  }
  auto r = store_.WriteAtomically(batch);
  if (!r.ok()) return r.status();
  std::vector<AtomicWriteResult> out(writes.size());
  AtomicCounters& c = counters(p);
  for (size_t i = 0; i < writes.size(); ++i) {
    out[i].existed = (*r)[i].existed;
    out[i].in_grace = (*r)[i].in_grace;
    if (batch[i].kind == BatchWrite::Kind::kPut) {
      out[i].meta = MetaOf((*r)[i].info, writes[i].data.size());
      Bump(c.cmd_set);
      Bump(c.total_items);
    } else if (writes[i].remove) {
      Bump(out[i].existed ? c.delete_hits : c.delete_misses);
    } else {  // a put with Expired(): stored and gone at once, as Write does
      Bump(c.cmd_set);
    }
    Written(writes[i].ns, writes[i].key);
    if (!writes[i].remove || writes[i].stored_before || out[i].existed) {
      Changed(writes[i].ns, writes[i].key);
    }
  }
  return out;
}

Result<uint64_t> CacheService::DeleteMany(Protocol p, std::string_view ns,
                                          const std::vector<std::string>& keys) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  auto r = store_.DeleteMany(ns, keys);
  if (!r.ok()) return r;
  AtomicCounters& c = counters(p);
  Bump(c.delete_hits, *r);
  Bump(c.delete_misses, keys.size() - *r);
  return r;
}

Result<uint64_t> CacheService::DeletePrefix(Protocol, std::string_view ns,
                                            std::string_view prefix) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  if (prefix.empty()) return Status::InvalidArgument("prefix must not be empty");
  return store_.DeletePrefix(ns, prefix);
}

Status CacheService::Clear(Protocol p, std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  Status s = store_.ClearNamespace(ns);
  if (s.ok()) Bump(counters(p).cmd_flush);
  return s;
}

Result<bool> CacheService::Drop(Protocol, std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.DropNamespace(ns);
}

Result<ScanPage> CacheService::Scan(std::string_view ns, std::string_view prefix,
                                    std::optional<std::string> start_after, size_t limit) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.Scan(ns, prefix, std::move(start_after), limit);
}

Result<std::vector<NamespaceFigures>> CacheService::ListNamespaces() {
  return store_.ListNamespaces();
}

Result<NamespaceFigures> CacheService::GetNamespace(std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.GetNamespace(ns);
}

}  // namespace apicached::cache
