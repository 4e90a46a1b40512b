#include "redis/scripting/script_cache.h"

namespace apicached::redis::scripting {

bool ScriptCache::Find(const std::string& sha, uint32_t* flags) {
  auto it = entries_.find(sha);
  if (it == entries_.end()) return false;
  if (it->second.origin == Origin::kEval)
    eval_lru_.splice(eval_lru_.begin(), eval_lru_, it->second.lru);
  *flags = it->second.flags;
  return true;
}

bool ScriptCache::Add(const std::string& sha, size_t body_bytes, uint32_t flags, Origin origin,
                      std::vector<std::string>* evicted) {
  // Room left once every EVAL script is gone: the most eviction can free.
  if (body_bytes > limits_.max_bytes || loaded_count_ + 1 > limits_.max_scripts ||
      loaded_bytes_ + body_bytes > limits_.max_bytes) {
    return false;
  }
  while (entries_.size() + 1 > limits_.max_scripts || bytes_ + body_bytes > limits_.max_bytes) {
    const std::string victim = eval_lru_.back();
    eval_lru_.pop_back();
    auto it = entries_.find(victim);
    bytes_ -= it->second.bytes;
    entries_.erase(it);
    evicted->push_back(victim);
  }
  Entry e;
  e.bytes = body_bytes;
  e.flags = flags;
  e.origin = origin;
  if (origin == Origin::kEval) {
    eval_lru_.push_front(sha);
    e.lru = eval_lru_.begin();
  } else {
    loaded_bytes_ += body_bytes;
    ++loaded_count_;
  }
  bytes_ += body_bytes;
  entries_.emplace(sha, e);
  return true;
}

void ScriptCache::MarkLoaded(const std::string& sha) {
  auto it = entries_.find(sha);
  if (it == entries_.end() || it->second.origin == Origin::kLoad) return;
  eval_lru_.erase(it->second.lru);
  it->second.origin = Origin::kLoad;
  loaded_bytes_ += it->second.bytes;
  ++loaded_count_;
}

void ScriptCache::Clear() {
  entries_.clear();
  eval_lru_.clear();
  bytes_ = loaded_bytes_ = loaded_count_ = 0;
}

}  // namespace apicached::redis::scripting
