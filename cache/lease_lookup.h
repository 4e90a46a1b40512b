// The lease-aware read of the cache layer (CacheService::GetWithLease): what a reader asks for
// and what it gets. Protocol-neutral: HTTP maps it to query parameters and Cache-Status, the
// memcached meta front to mg's N/R flags and W/X/Z (docs/leases.md).
//
// States:
//   kHit      a fresh entry. With refresh_below_s, the reader may also get the refresh lease
//             (token != 0): it should fetch and store with the token (early refresh).
//   kStale    accept_stale and the entry is in its grace period (past its TTL, not past
//             TTL + grace): the old value, at once. Exactly one such reader gets the refresh
//             lease (token != 0) until the lease ends.
//   kGranted  a miss (or a stale entry the reader did not accept) and this reader holds the
//             lease now: it fetches from the origin and stores with the token.
//   kHeld     a miss and another reader holds the lease until lease_expires_ms. With a waiter
//             given, it is registered (wait_id != 0) and called once at the next write of the
//             key; the reader then looks again (after_wait = true).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "cache/item.h"

namespace apicached::cache {

struct LeaseRead {
  // > 0: on a miss, ask for a lease of this many ms (at most CacheServiceOptions::max_lease_ms).
  // 0: no lease; a miss is NotFound.
  int64_t lease_ms = 0;
  // Serve an entry in its grace period (kStale) instead of treating it as a miss.
  bool accept_stale = false;
  // > 0: a fresh entry with fewer seconds than this left gets the refresh lease for one reader
  // (memcached's mg R; the lease lasts lease_ms, else refresh_lease_ms).
  int64_t refresh_below_s = 0;
  // This lookup follows a wake-up of a wait: a hit counts as a coalesced wait.
  bool after_wait = false;
  // Set: on kHeld, registered to be called once at the next write of the key (on the writer's
  // thread; it must only post work to the reader's own thread).
  std::function<void()> waiter;
};

enum class LeaseState : uint8_t { kHit, kStale, kGranted, kHeld };

struct LeaseLookup {
  LeaseState state = LeaseState::kHeld;
  std::optional<Item> item;      // kHit, kStale
  uint64_t token = 0;            // kGranted; kHit/kStale when this reader got the refresh lease
  int64_t lease_expires_ms = 0;  // the lease's end (kGranted: yours; kHeld: the holder's)
  uint64_t wait_id = 0;          // kHeld with a waiter registered (for CancelWait)
};

}  // namespace apicached::cache
