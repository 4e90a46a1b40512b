// A keyed hash of client-chosen strings (cache keys, namespaces) for the in-memory tables that
// hold them: SipHash-2-4 under a key drawn at random once per process.
//
// std::hash<std::string_view> (libstdc++'s MurmurHash2 with a fixed seed) is known to anyone:
// a client can compute, offline, thousands of keys that land in one bucket or probe run and turn
// every lookup of a table into a walk of all of them (hash flooding). Under a secret key it cannot
// (SipHash is a pseudorandom function; Redis and CPython hash their dictionaries with it for the
// same reason). The RAM tier has its own seeded hash (hotcache/hot_cache.cpp), faster for the
// per-GET path; this one is for the tables whose size a client drives: the eviction index, the
// lease table, a batch's repeated-key check.
//
// Thread safety: pure functions; the process key is set once, before first use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace apicached {

struct SipHashKey {
  uint64_t k0 = 0;  // bytes 0-7 of the 16-byte key, little-endian
  uint64_t k1 = 0;  // bytes 8-15
};

// SipHash-2-4 of data under key (Aumasson and Bernstein, "SipHash: a fast short-input PRF").
uint64_t SipHash24(const SipHashKey& key, std::string_view data);

// SipHash24 under this process's random key.
uint64_t KeyHash(std::string_view data);

// 64 random bits from the OS (std::random_device: getrandom on Linux), for the keys and seeds of
// hashes of client input (this one's, the RAM tier's).
uint64_t RandomBits64();

// For unordered containers of std::string keyed by client input (transparent: finds take a
// std::string_view).
struct KeyHasher {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return static_cast<size_t>(KeyHash(s)); }
};

}  // namespace apicached
