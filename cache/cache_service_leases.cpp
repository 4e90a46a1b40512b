// CacheService's leases (docs/leases.md): one origin call per miss. GetWithLease for the HTTP
// front's readers, the memcached meta wins and stale marks (ClaimMetaLease, VivifyForMeta,
// Invalidate), and the waits of readers parked on another's fetch.
#include <functional>
#include <mutex>
#include <string>

#include "cache/cache_service.h"
#include "cache/entry_items.h"

namespace apicached::cache {

Result<LeaseLookup> CacheService::GetWithLease(Protocol p, std::string_view ns,
                                               std::string_view key, const LeaseRead& read) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  if (read.lease_ms < 0 || read.lease_ms > options_.max_lease_ms) {
    return Status::InvalidArgument("a lease lasts 0 to " + std::to_string(options_.max_lease_ms) +
                                   " ms, asked " + std::to_string(read.lease_ms));
  }
  const int64_t refresh_ms = read.lease_ms > 0 ? read.lease_ms : options_.refresh_lease_ms;
  // A reader that finds a lease free after the holder stored must not fetch again: after a
  // grant the store is read once more, and a value that arrived meanwhile ends the new lease
  // and is served. The holder writes before it wakes (ends) its lease, so that second read
  // sees it. A few rounds at most, each after some writer's progress.
  for (int round = 0;; ++round) {
    Result<Entry> r = store_.Get(ns, key);
    if (!Answered(r.status())) return r.status();
    const int64_t now = clock_.NowMillis();
    LeaseLookup out;
    uint64_t version = 0;  // what a lease is for: the entry in its grace period, or none (0)
    if (r.ok() && Fresh(r->info, now)) {
      CountLookup(p, ns, 1, 0);
      if (read.after_wait) CountLease(p, ns, LeaseEvent::kCoalesced);
      out.state = LeaseState::kHit;
      const int64_t left = SecondsLeft(FreshUntil(r->info), now);
      if (read.refresh_below_s > 0 && left >= 0 && left < read.refresh_below_s) {
        GrantInto(p, ns, leases_.Acquire(ns, key, r->info.version, now, refresh_ms), out);
      }
      out.item = ToItem(std::move(*r));
      return out;
    }
    if (r.ok()) {
      version = r->info.version;
      if (read.accept_stale) {
        CountLookup(p, ns, 1, 0);
        CountLease(p, ns, LeaseEvent::kStaleHit);
        out.state = LeaseState::kStale;
        GrantInto(p, ns, leases_.Acquire(ns, key, version, now, refresh_ms), out);
        out.item = ToItem(std::move(*r));
        return out;
      }
    }
    if (read.lease_ms == 0 || round >= 3) {
      CountLookup(p, ns, 0, 1);
      return NoLiveEntry();
    }
    auto got = leases_.Acquire(ns, key, version, now, read.lease_ms);
    if (got.granted) {
      auto again = store_.Get(ns, key);
      if (again.ok() && again->info.version != version) {  // filled meanwhile: serve it instead
        Written(ns, key);
        continue;
      }
      CountLookup(p, ns, 0, 1);
      GrantInto(p, ns, got, out);
      out.state = LeaseState::kGranted;
      return out;
    }
    out.state = LeaseState::kHeld;
    out.lease_expires_ms = got.expires_ms;
    if (read.waiter) {
      out.wait_id = leases_.WaitIfHeld(ns, key, version, now, read.waiter);
      if (out.wait_id == 0) continue;  // the lease ended meanwhile: look again
    }
    CountLookup(p, ns, 0, 1);
    return out;
  }
}

void CacheService::GrantInto(Protocol p, std::string_view ns, const LeaseTable::Acquired& got,
                             LeaseLookup& out) {
  if (!got.granted) return;
  out.token = got.token;
  out.lease_expires_ms = got.expires_ms;
  CountLease(p, ns, LeaseEvent::kGranted);
  if (got.replaced_expired) CountLease(p, ns, LeaseEvent::kTimedOut);
}

CacheService::MetaLease CacheService::ClaimMetaLease(Protocol p, std::string_view ns,
                                                     std::string_view key, uint64_t version,
                                                     bool want_win) {
  std::lock_guard lock(MetaMutex(ns, key));
  const int64_t now = clock_.NowMillis();
  MetaLease out;
  out.win_sent = leases_.Holder(ns, key, version, now).granted;
  out.stale = leases_.IsStale(ns, key, version);
  if (out.win_sent || !(want_win || out.stale)) return out;
  // The cas is the token: memcached clients store the win with ms C<cas>.
  out.won = leases_.Acquire(ns, key, version, now, /*lease_ms=*/0, /*token=*/version).granted;
  if (out.won) CountLease(p, ns, LeaseEvent::kGranted);
  return out;
}

CacheService::MetaMarks CacheService::ReadMetaMarks(std::string_view ns, std::string_view key,
                                                    uint64_t version) {
  std::lock_guard lock(MetaMutex(ns, key));
  const LeaseTable::Acquired holder = leases_.Holder(ns, key, version, clock_.NowMillis());
  // Only memcached's own marks: a win it sent holds the lease with the cas as token, no end.
  return MetaMarks{.stale = leases_.IsStale(ns, key, version),
                   .win_sent = holder.granted && holder.token == version && holder.expires_ms == 0};
}

void CacheService::RestoreMetaMarks(std::string_view ns, std::string_view key, uint64_t version,
                                    const MetaMarks& marks) {
  if (!marks.stale && !marks.win_sent) return;
  std::lock_guard lock(MetaMutex(ns, key));
  if (marks.stale) {
    leases_.MarkStale(ns, key, version, marks.win_sent);
  } else {
    (void)leases_.Acquire(ns, key, version, clock_.NowMillis(), /*lease_ms=*/0,
                          /*token=*/version);
  }
}

Result<WriteResult> CacheService::VivifyForMeta(Protocol p, std::string_view ns,
                                                std::string_view key, Expiry expiry) {
  std::lock_guard lock(MetaMutex(ns, key));
  auto added = Add(p, ns, key, "", 0, expiry);
  if (!added.ok()) return added;
  const uint64_t version = added->meta.version;
  if (leases_.Acquire(ns, key, version, clock_.NowMillis(), /*lease_ms=*/0, /*token=*/version)
          .granted) {
    CountLease(p, ns, LeaseEvent::kGranted);
  }
  return added;
}

std::mutex& CacheService::MetaMutex(std::string_view ns, std::string_view key) const {
  const size_t h = std::hash<std::string_view>{}(key) ^ (std::hash<std::string_view>{}(ns)*31);
  return meta_mu_[h % meta_mu_.size()];
}

Status CacheService::Invalidate(Protocol p, std::string_view ns, std::string_view key,
                                std::optional<uint64_t> expected_version,
                                std::optional<Expiry> expiry) {
  auto current = Get(p, ns, key);
  if (!current.ok()) return current.status();
  if (expected_version && *expected_version != current->meta.version) {
    return Status::PreconditionFailed("cas mismatch");
  }
  WriteRequest w;
  w.data = current->value;
  w.content_type = current->content_type;
  w.flags = current->meta.flags;
  w.expiry = expiry ? *expiry : KeepExpiry(current->meta.expires_ms);
  w.expected_version = current->meta.version;
  auto written = Write(p, ns, key, w);
  if (!written.ok()) return written.status();
  leases_.MarkStale(ns, key, written->meta.version, /*won=*/false);
  return Status::Ok();
}

bool CacheService::CancelWait(std::string_view ns, std::string_view key, uint64_t wait_id) {
  return leases_.Cancel(ns, key, wait_id);
}

}  // namespace apicached::cache
