// What the cache layer tells the rest of apicached about the traffic it serves: the protocol a
// call came through, and the lookups (hits and misses) each call made.
//
// cache/ knows neither Prometheus nor the per-day statistics: the daemon injects a
// CacheObserver that feeds metrics/ (see daemon/lookup_recorder.h). Fronts never count lookups
// themselves; they pass their Protocol to every CacheService call.
//
// Thread safety: a CacheObserver is called on the calling front's threads, from many at once;
// implementations must be thread-safe and must not call back into the CacheService.
#pragma once

#include <cstdint>
#include <string_view>

namespace apicached::cache {

// The front a call came through; also a label value of the lookup metrics.
enum class Protocol : uint8_t { kHttp = 0, kMemcached, kRedis };
inline constexpr size_t kProtocolCount = 3;

// "http", "memcached", "redis".
constexpr std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kHttp:
      return "http";
    case Protocol::kMemcached:
      return "memcached";
    case Protocol::kRedis:
      return "redis";
  }
  return "unknown";
}

// What the lease machinery did (docs/leases.md), one event at a time.
enum class LeaseEvent : uint8_t {
  kGranted,    // a reader got a lease (miss, stale refresh or early refresh)
  kCoalesced,  // a reader that waited for another's fetch got the value it stored
  kStaleHit,   // a reader was served an entry in its grace period, marked stale
  kTimedOut,   // a lease ran out without its holder storing (the next reader got a new one)
};
inline constexpr size_t kLeaseEventCount = 4;

// "granted", "coalesced", "stale_hit", "timed_out".
constexpr std::string_view LeaseEventName(LeaseEvent e) {
  switch (e) {
    case LeaseEvent::kGranted:
      return "granted";
    case LeaseEvent::kCoalesced:
      return "coalesced";
    case LeaseEvent::kStaleHit:
      return "stale_hit";
    case LeaseEvent::kTimedOut:
      return "timed_out";
  }
  return "unknown";
}

class CacheObserver {
 public:
  virtual ~CacheObserver() = default;
  // One lookup call (Get, GetAndTouch, or the keys of one namespace in a MultiGet) on namespace
  // ns: how many keys had a live entry (hits) and how many had none (misses). Calls that failed
  // before the store answered (bad namespace, store unavailable) are no lookups and are not
  // reported.
  virtual void OnLookup(Protocol protocol, std::string_view ns, uint64_t hits, uint64_t misses) = 0;
  // One lease event on namespace ns (see LeaseEvent). Default: ignored.
  virtual void OnLease(Protocol protocol, std::string_view ns, LeaseEvent event) {
    (void)protocol;
    (void)ns;
    (void)event;
  }
};

}  // namespace apicached::cache
