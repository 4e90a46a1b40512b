#include "evict/s3_fifo.h"

#include <algorithm>

namespace apicached {

void S3Fifo::Insert(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms) {
  const uint64_t hash = Hash()(key);
  const bool in_main = ghost_.erase(hash) > 0;
  Node node{.version = version,
            .bytes = bytes,
            .expires_ms = expires_ms,
            .seq = ++next_seq_,
            .frequency = 0,
            .in_main = in_main};
  (in_main ? main_ : small_).push_back(Element{std::string(key), node.seq});
  (in_main ? main_bytes_ : small_bytes_) += bytes;
  nodes_.emplace(std::string(key), node);
  NoteExpiry(expires_ms);
  PublishBytes();
}

std::unique_lock<std::mutex> S3Fifo::LockApplied() {
  std::unique_lock lock(mu_);
  ApplyDeferred();
  return lock;
}

bool S3Fifo::Defer(Deferred d) {
  std::lock_guard lock(deferred_mu_);
  if (deferred_.size() >= options_.max_deferred) return false;
  deferred_.push_back(std::move(d));
  deferred_count_.store(deferred_.size(), std::memory_order_release);
  return true;
}

void S3Fifo::ApplyDeferred() {
  // A change queued by a thread that then released a lock this thread has taken since (a write
  // guard, or mu_ itself) is seen here: its count was stored before that release.
  if (deferred_count_.load(std::memory_order_acquire) == 0) return;
  {
    std::lock_guard lock(deferred_mu_);
    applying_.swap(deferred_);
    deferred_count_.store(0, std::memory_order_release);
  }
  for (const Deferred& d : applying_) {
    if (d.is_read) {
      ReadLocked(d.key);
    } else {
      WriteLocked(d.key, d.version, d.bytes, d.expires_ms);
    }
  }
  applying_.clear();
}

void S3Fifo::Write(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms) {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    if (Defer(Deferred{.key = std::string(key),
                       .version = version,
                       .bytes = bytes,
                       .expires_ms = expires_ms,
                       .is_read = false})) {
      return;
    }
    lock.lock();  // the queue is full: wait, as every write did before there was one
  }
  ApplyDeferred();
  WriteLocked(key, version, bytes, expires_ms);
}

void S3Fifo::WriteLocked(std::string_view key, uint64_t version, uint64_t bytes,
                         int64_t expires_ms) {
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return Insert(key, version, bytes, expires_ms);
  Node& node = it->second;
  uint64_t& queue_bytes = node.in_main ? main_bytes_ : small_bytes_;
  queue_bytes = queue_bytes - node.bytes + bytes;
  node.version = version;
  node.bytes = bytes;
  node.expires_ms = expires_ms;
  NoteExpiry(expires_ms);
  PublishBytes();
}

void S3Fifo::Load(std::string_view key, uint64_t version, uint64_t bytes, int64_t expires_ms) {
  auto lock = LockApplied();
  if (nodes_.find(key) == nodes_.end()) Insert(key, version, bytes, expires_ms);
}

void S3Fifo::Read(std::string_view key) {
  std::unique_lock lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    // A full queue drops the read: one frequency count less, never a wait.
    Defer(Deferred{.key = std::string(key), .is_read = true});
    return;
  }
  ApplyDeferred();
  ReadLocked(key);
}

void S3Fifo::ReadLocked(std::string_view key) {
  auto it = nodes_.find(key);
  if (it != nodes_.end() && it->second.frequency < options_.max_frequency) ++it->second.frequency;
}

std::vector<bool> S3Fifo::ContainsEach(const std::vector<Victim>& victims) {
  std::vector<bool> known(victims.size());
  auto lock = LockApplied();
  for (size_t i = 0; i < victims.size(); ++i)
    known[i] = nodes_.find(victims[i].key) != nodes_.end();
  return known;
}

void S3Fifo::SetExpiry(std::string_view key, int64_t expires_ms) {
  auto lock = LockApplied();
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return;
  it->second.expires_ms = expires_ms;
  NoteExpiry(expires_ms);
}

void S3Fifo::Remove(Map::iterator it) {
  (it->second.in_main ? main_bytes_ : small_bytes_) -= it->second.bytes;
  nodes_.erase(it);
  ++stale_;
  CompactQueues();
  PublishBytes();
}

bool S3Fifo::Erase(std::string_view key) {
  auto lock = LockApplied();
  auto it = nodes_.find(key);
  if (it == nodes_.end()) return false;
  Remove(it);
  return true;
}

size_t S3Fifo::ErasePrefix(std::string_view prefix) {
  auto lock = LockApplied();
  size_t erased = 0;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (!std::string_view(it->first).starts_with(prefix)) {
      ++it;
      continue;
    }
    (it->second.in_main ? main_bytes_ : small_bytes_) -= it->second.bytes;
    it = nodes_.erase(it);
    ++stale_;
    ++erased;
  }
  CompactQueues();
  PublishBytes();
  return erased;
}

void S3Fifo::RememberGhost(std::string_view key) {
  const uint64_t hash = Hash()(key);
  if (!ghost_.insert(hash).second) return;
  ghost_order_.push_back(hash);
  // As many ghosts as live entries (the paper's size), at least a few for tiny namespaces.
  const size_t cap = std::max<size_t>(nodes_.size(), 16);
  while (ghost_order_.size() > cap) {
    ghost_.erase(ghost_order_.front());
    ghost_order_.pop_front();
  }
}

std::optional<Victim> S3Fifo::Evict() {
  auto lock = LockApplied();
  return EvictLocked();
}

std::vector<Victim> S3Fifo::EvictDownTo(uint64_t target_bytes, size_t max_victims) {
  std::vector<Victim> out;
  auto lock = LockApplied();
  while (out.size() < max_victims && small_bytes_ + main_bytes_ > target_bytes) {
    std::optional<Victim> victim = EvictLocked();
    if (!victim) break;
    out.push_back(std::move(*victim));
  }
  return out;
}

std::optional<Victim> S3Fifo::EvictLocked() {
  for (;;) {
    if (small_.empty() && main_.empty()) return std::nullopt;
    const uint64_t total = small_bytes_ + main_bytes_;
    const bool from_small =
        !small_.empty() &&
        (main_.empty() || static_cast<double>(small_bytes_) > options_.small_fraction * total);
    std::deque<Element>& queue = from_small ? small_ : main_;
    Element head = std::move(queue.front());
    queue.pop_front();
    auto it = nodes_.find(head.key);
    if (it == nodes_.end() || it->second.seq != head.seq) {
      --stale_;
      continue;
    }
    Node& node = it->second;
    if (from_small && node.frequency >= options_.promote_reads) {
      node.frequency = 0;
      node.in_main = true;
      small_bytes_ -= node.bytes;
      main_bytes_ += node.bytes;
      node.seq = ++next_seq_;
      main_.push_back(Element{std::move(head.key), node.seq});
      continue;
    }
    if (!from_small && node.frequency > 0) {
      --node.frequency;
      node.seq = ++next_seq_;
      main_.push_back(Element{std::move(head.key), node.seq});
      continue;
    }
    Victim victim{.key = std::move(head.key),
                  .version = node.version,
                  .bytes = node.bytes,
                  .expires_ms = node.expires_ms};
    (node.in_main ? main_bytes_ : small_bytes_) -= node.bytes;
    nodes_.erase(it);
    if (from_small) RememberGhost(victim.key);
    PublishBytes();
    return victim;
  }
}

std::vector<Victim> S3Fifo::TakeExpired(int64_t now_ms) {
  auto lock = LockApplied();
  std::vector<Victim> out;
  if (now_ms < earliest_expiry_) return out;
  ++expiry_walks_;
  earliest_expiry_ = std::numeric_limits<int64_t>::max();
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    const Node& node = it->second;
    if (node.expires_ms == 0 || now_ms < node.expires_ms) {
      NoteExpiry(node.expires_ms);
      ++it;
      continue;
    }
    out.push_back(Victim{.key = it->first,
                         .version = node.version,
                         .bytes = node.bytes,
                         .expires_ms = node.expires_ms});
    (node.in_main ? main_bytes_ : small_bytes_) -= node.bytes;
    it = nodes_.erase(it);
    ++stale_;
  }
  CompactQueues();
  PublishBytes();
  return out;
}

void S3Fifo::CompactQueues() {
  if (stale_ < 1024 || stale_ < nodes_.size()) return;
  auto live = [this](const Element& e) {
    auto it = nodes_.find(e.key);
    return it != nodes_.end() && it->second.seq == e.seq;
  };
  for (std::deque<Element>* queue : {&small_, &main_}) {
    std::deque<Element> kept;
    for (Element& e : *queue) {
      if (live(e)) kept.push_back(std::move(e));
    }
    queue->swap(kept);
  }
  stale_ = 0;
}

uint64_t S3Fifo::expiry_walks() {
  auto lock = LockApplied();
  return expiry_walks_;
}

size_t S3Fifo::entries() {
  auto lock = LockApplied();
  return nodes_.size();
}

}  // namespace apicached
