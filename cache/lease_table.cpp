#include "cache/lease_table.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache/key_id.h"
#include "storage/key_hash.h"

namespace apicached::cache {

namespace {

struct WaiterEntry {
  uint64_t id = 0;
  LeaseTable::Waiter fn;
};

struct Slot {
  uint64_t version = 0;  // what the lease and the stale mark belong to
  uint64_t token = 0;    // 0: no lease
  int64_t expires_ms = 0;
  bool stale = false;
  std::vector<WaiterEntry> waiters;
};

bool Live(const Slot& s, uint64_t version, int64_t now_ms) {
  return s.token != 0 && s.version == version && (s.expires_ms == 0 || now_ms < s.expires_ms);
}

}  // namespace

struct LeaseTable::Shard {
  mutable std::mutex mu;
  std::unordered_map<std::string, Slot, KeyHasher, std::equal_to<>> slots;  // keyed: no flooding
  std::deque<std::string> order;  // insertion order of slots' keys, for the bound
  std::mt19937_64 random{std::random_device{}()};
  uint64_t next_wait_id = 1;
  size_t max_keys = 0;
  std::atomic<int64_t>* count = nullptr;  // the table's slots_

  // The slot of id, created (and the oldest dropped past the bound) when absent. Waiters of a
  // dropped slot are moved to woken.
  Slot& Take(const std::string& id, std::vector<Waiter>& woken) {
    auto [it, inserted] = slots.try_emplace(id);
    if (!inserted) return it->second;
    if (order.size() > 2 * max_keys + 16) {  // names of slots Wake erased pile up: drop them
      std::deque<std::string> kept;
      for (auto& name : order)
        if (slots.contains(name)) kept.push_back(std::move(name));
      order.swap(kept);
    }
    order.push_back(id);
    count->fetch_add(1);
    while (slots.size() > max_keys && order.size() > 1) {
      auto old = slots.find(order.front());
      if (old != slots.end() && old->first != id) {
        for (auto& w : old->second.waiters) woken.push_back(std::move(w.fn));
        slots.erase(old);
        count->fetch_sub(1);
      }
      order.pop_front();
    }
    return slots.find(id)->second;
  }
};

LeaseTable::LeaseTable(LeaseTableOptions options)
    : options_(options),
      shards_(std::make_unique<Shard[]>(options.shards == 0 ? 1 : options.shards)) {
  const size_t n = options_.shards == 0 ? 1 : options_.shards;
  for (size_t i = 0; i < n; ++i) {
    shards_[i].max_keys = std::max<size_t>(1, options_.max_keys / n);
    shards_[i].count = &slots_;
  }
}

LeaseTable::~LeaseTable() = default;

LeaseTable::Shard& LeaseTable::ShardOf(std::string_view id) const {
  const size_t n = options_.shards == 0 ? 1 : options_.shards;
  return shards_[KeyHash(id) % n];
}

LeaseTable::Acquired LeaseTable::Acquire(std::string_view ns, std::string_view key,
                                         uint64_t version, int64_t now_ms, int64_t lease_ms,
                                         uint64_t token) {
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::vector<Waiter> woken;
  Acquired out;
  {
    std::lock_guard lock(sh.mu);
    Slot& s = sh.Take(id, woken);
    if (Live(s, version, now_ms)) {
      out.expires_ms = s.expires_ms;
    } else {
      out.replaced_expired = s.token != 0 && s.version == version && s.expires_ms != 0;
      if (s.version != version) s.stale = false;
      s.version = version;
      while (token == 0) token = sh.random();
      s.token = token;
      s.expires_ms = lease_ms > 0 ? now_ms + lease_ms : 0;
      out.granted = true;
      out.token = token;
      out.expires_ms = s.expires_ms;
    }
  }
  for (auto& fn : woken) fn();
  return out;
}

LeaseTable::Acquired LeaseTable::Holder(std::string_view ns, std::string_view key, uint64_t version,
                                        int64_t now_ms) const {
  if (Empty()) return {};
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.slots.find(id);
  Acquired out;
  if (it != sh.slots.end() && Live(it->second, version, now_ms)) {
    out.granted = true;
    out.token = it->second.token;
    out.expires_ms = it->second.expires_ms;
  }
  return out;
}

bool LeaseTable::Valid(std::string_view ns, std::string_view key, uint64_t token,
                       uint64_t version) const {
  if (Empty()) return false;
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.slots.find(id);
  return token != 0 && it != sh.slots.end() && it->second.token == token &&
         it->second.version == version;
}

void LeaseTable::Wake(std::string_view ns, std::string_view key) {
  if (Empty()) return;
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::vector<WaiterEntry> waiters;
  {
    std::lock_guard lock(sh.mu);
    auto it = sh.slots.find(id);
    if (it == sh.slots.end()) return;
    waiters.swap(it->second.waiters);
    sh.slots.erase(it);
    slots_.fetch_sub(1);
  }
  for (auto& w : waiters) w.fn();
}

void LeaseTable::MarkStale(std::string_view ns, std::string_view key, uint64_t version, bool won) {
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::vector<Waiter> woken;
  {
    std::lock_guard lock(sh.mu);
    Slot& s = sh.Take(id, woken);
    s.version = version;
    s.stale = true;
    s.token = won ? version : 0;
    s.expires_ms = 0;
  }
  for (auto& fn : woken) fn();
}

bool LeaseTable::IsStale(std::string_view ns, std::string_view key, uint64_t version) const {
  if (Empty()) return false;
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.slots.find(id);
  return it != sh.slots.end() && it->second.version == version && it->second.stale;
}

uint64_t LeaseTable::WaitIfHeld(std::string_view ns, std::string_view key, uint64_t version,
                                int64_t now_ms, Waiter fn) {
  if (Empty()) return 0;
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.slots.find(id);
  if (it == sh.slots.end() || !Live(it->second, version, now_ms)) return 0;
  const uint64_t wait_id = sh.next_wait_id++;
  it->second.waiters.push_back(WaiterEntry{wait_id, std::move(fn)});
  return wait_id;
}

bool LeaseTable::Cancel(std::string_view ns, std::string_view key, uint64_t wait_id) {
  const std::string id = KeyId(ns, key);
  Shard& sh = ShardOf(id);
  std::lock_guard lock(sh.mu);
  auto it = sh.slots.find(id);
  if (it == sh.slots.end()) return false;
  auto& ws = it->second.waiters;
  for (auto w = ws.begin(); w != ws.end(); ++w) {
    if (w->id != wait_id) continue;
    ws.erase(w);
    return true;
  }
  return false;
}

size_t LeaseTable::waiting() const {
  const size_t n = options_.shards == 0 ? 1 : options_.shards;
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [id, slot] : shards_[i].slots) total += slot.waiters.size();
  }
  return total;
}

size_t LeaseTable::size() const {
  const size_t n = options_.shards == 0 ? 1 : options_.shards;
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    std::lock_guard lock(shards_[i].mu);
    total += shards_[i].slots.size();
  }
  return total;
}

}  // namespace apicached::cache
