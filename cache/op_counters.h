// OpCounters: the cache layer's running totals of operations per protocol since start, named
// after memcached's `stats` fields so that a front answers them as they are. Counted by
// CacheService (never by a front), read with CacheService::Counters().
//
// What counts (memcached's definitions):
//   cmd_get       keys looked up by Get, MultiGet, GetAndTouch
//   get_hits / get_misses   of those keys, found live / not
//   cmd_set       Write calls that reached the store (stored or not)
//   total_items   entries written (a successful Write, or a new Incr entry)
//   cmd_touch     Touch and GetAndTouch calls; touch_hits / touch_misses by outcome
//   delete_hits / delete_misses, incr_*, decr_*     by outcome (miss: no live entry)
//   cas_hits      compare-and-set writes stored; cas_badval: version mismatch; cas_misses:
//                 no live entry
//   cmd_flush     Clear calls
// Calls refused before the store answered (bad namespace, bad TTL, store unavailable) count
// nowhere.
//
// Thread safety: a snapshot value; the layer keeps relaxed atomics behind it (one copy per
// thread stripe, summed with +=).
#pragma once

#include <cstdint>

namespace apicached::cache {

struct OpCounters {
  uint64_t cmd_get = 0;
  uint64_t get_hits = 0;
  uint64_t get_misses = 0;
  uint64_t cmd_set = 0;
  uint64_t total_items = 0;
  uint64_t cmd_touch = 0;
  uint64_t touch_hits = 0;
  uint64_t touch_misses = 0;
  uint64_t delete_hits = 0;
  uint64_t delete_misses = 0;
  uint64_t incr_hits = 0;
  uint64_t incr_misses = 0;
  uint64_t decr_hits = 0;
  uint64_t decr_misses = 0;
  uint64_t cas_hits = 0;
  uint64_t cas_misses = 0;
  uint64_t cas_badval = 0;
  uint64_t cmd_flush = 0;

  OpCounters& operator+=(const OpCounters& o) {
    cmd_get += o.cmd_get;
    get_hits += o.get_hits;
    get_misses += o.get_misses;
    cmd_set += o.cmd_set;
    total_items += o.total_items;
    cmd_touch += o.cmd_touch;
    touch_hits += o.touch_hits;
    touch_misses += o.touch_misses;
    delete_hits += o.delete_hits;
    delete_misses += o.delete_misses;
    incr_hits += o.incr_hits;
    incr_misses += o.incr_misses;
    decr_hits += o.decr_hits;
    decr_misses += o.decr_misses;
    cas_hits += o.cas_hits;
    cas_misses += o.cas_misses;
    cas_badval += o.cas_badval;
    cmd_flush += o.cmd_flush;
    return *this;
  }
};

}  // namespace apicached::cache
