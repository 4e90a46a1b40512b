#include "cache/key_watches.h"

#include <utility>

#include "cache/key_id.h"

namespace apicached::cache {

KeyWatches::Shard& KeyWatches::ShardOf(std::string_view id) {
  return shards_[KeyHash(id) % kShards];
}

KeyWatches::Watch KeyWatches::Start(std::string_view ns, std::string_view key) {
  std::string id = KeyId(ns, key);
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  auto [it, inserted] = shard.slots.try_emplace(id);
  if (inserted) slots_.fetch_add(1, std::memory_order_seq_cst);
  Slot& slot = it->second;
  ++slot.watchers;
  return Watch(this, &shard, std::move(id), &slot, slot.changes.load());
}

void KeyWatches::Changed(std::string_view ns, std::string_view key) {
  // The fence orders the caller's write before the load (a plain load may pass earlier stores).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (slots_.load(std::memory_order_relaxed) == 0) return;
  const std::string id = KeyId(ns, key);
  Shard& shard = ShardOf(id);
  std::lock_guard lock(shard.mu);
  auto it = shard.slots.find(id);
  if (it != shard.slots.end()) it->second.changes.fetch_add(1);
}

KeyWatches::Watch::Watch(const Watch& other)
    : table_(other.table_),
      shard_(other.shard_),
      id_(other.id_),
      slot_(other.slot_),
      start_(other.start_) {
  if (slot_ == nullptr) return;
  std::lock_guard lock(shard_->mu);
  ++slot_->watchers;
}

KeyWatches::Watch& KeyWatches::Watch::operator=(const Watch& other) {
  if (this != &other) *this = Watch(other);
  return *this;
}

KeyWatches::Watch::Watch(Watch&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)),
      shard_(std::exchange(other.shard_, nullptr)),
      id_(std::move(other.id_)),
      slot_(std::exchange(other.slot_, nullptr)),
      start_(other.start_) {}

KeyWatches::Watch& KeyWatches::Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    Release();
    table_ = std::exchange(other.table_, nullptr);
    shard_ = std::exchange(other.shard_, nullptr);
    id_ = std::move(other.id_);
    slot_ = std::exchange(other.slot_, nullptr);
    start_ = other.start_;
  }
  return *this;
}

KeyWatches::Watch::~Watch() {
  Release();
}

bool KeyWatches::Watch::changed() const {
  return slot_ != nullptr && slot_->changes.load() != start_;
}

void KeyWatches::Watch::Release() {
  if (slot_ == nullptr) return;
  std::lock_guard lock(shard_->mu);
  if (--slot_->watchers == 0) {
    shard_->slots.erase(id_);
    table_->slots_.fetch_sub(1, std::memory_order_seq_cst);
  }
  table_ = nullptr;
  shard_ = nullptr;
  slot_ = nullptr;
}

}  // namespace apicached::cache
