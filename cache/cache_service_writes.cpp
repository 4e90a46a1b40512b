// CacheService's single-key writes: Write and its memcached forms (set, add, replace, append,
// prepend, cas), Delete, the counters (Arith, IncrSigned), Touch and the generic Mutate.
#include <functional>
#include <string>
#include <utility>

#include "cache/cache_service.h"
#include "cache/cache_service_internal.h"
#include "cache/counter_value.h"
#include "cache/entry_items.h"

namespace apicached::cache {

using internal::Bump;
using internal::CheckVersion;
using internal::Put;
using internal::Request;

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

}  // namespace apicached::cache
