// ScriptCache: which scripts the engine holds compiled, by SHA-1, within a bound on their count
// and on the bytes of their bodies. Like Redis 7.4's eviction of EVAL scripts: a script that
// arrived by EVAL (its client sends the body every time) is evicted least recently used to make
// room; a script loaded with SCRIPT LOAD (its client may only ever send EVALSHA) is never
// evicted, and a new one is refused when only loaded scripts fill the bound. A script first
// seen by EVAL and later loaded with SCRIPT LOAD counts as loaded.
//
// The cache only does the bookkeeping: the caller compiles and drops the Lua functions, using
// the SHAs Add() reports as evicted.
//
// Thread safety: none; the engine's mutex guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace apicached::redis::scripting {

class ScriptCache {
 public:
  struct Limits {
    size_t max_scripts = 0;  // > 0
    size_t max_bytes = 0;    // > 0; the sum of the cached scripts' body sizes
  };
  enum class Origin { kEval, kLoad };

  explicit ScriptCache(Limits limits) : limits_(limits) {}

  // The flags stored with `sha` (a 40-digit lowercase SHA-1), marking it recently used; false
  // when it is not cached.
  bool Find(const std::string& sha, uint32_t* flags);
  bool Contains(const std::string& sha) const { return entries_.contains(sha); }

  // Caches `sha` (not cached yet) with its body size and flags, first evicting EVAL scripts
  // least recently used as needed; their SHAs are appended to `evicted`. Returns false, and
  // evicts nothing, when the script cannot fit: bigger than max_bytes alone, or the loaded
  // scripts alone leave no room.
  bool Add(const std::string& sha, size_t body_bytes, uint32_t flags, Origin origin,
           std::vector<std::string>* evicted);

  // Marks a cached script as loaded (SCRIPT LOAD of a script first seen by EVAL).
  void MarkLoaded(const std::string& sha);

  // Forgets every script (SCRIPT FLUSH).
  void Clear();

  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    size_t bytes = 0;
    uint32_t flags = 0;
    Origin origin = Origin::kEval;
    std::list<std::string>::iterator lru;  // into eval_lru_ when origin is kEval
  };
  Limits limits_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> eval_lru_;  // EVAL scripts, most recently used first
  size_t bytes_ = 0;
  size_t loaded_bytes_ = 0;
  size_t loaded_count_ = 0;
};

}  // namespace apicached::redis::scripting
