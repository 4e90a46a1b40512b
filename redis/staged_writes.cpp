#include "redis/staged_writes.h"

#include <vector>

namespace apicached::redis {
namespace {

Entry EntryOf(const cache::Item& item) {
  Entry e;
  e.value = item.value;
  e.content_type = item.content_type;
  e.info.created_ms = item.meta.created_ms;
  e.info.expires_ms = item.meta.expires_ms;
  e.info.version = item.meta.version;
  e.info.flags = item.meta.flags;
  return e;
}

bool Expired(int64_t expires_ms, int64_t now_ms) {
  return expires_ms != 0 && expires_ms <= now_ms;
}

// The deadline a kPut or kTouch asks for (0: never); keep: the current entry's.
Result<int64_t> DeadlineOf(const Mutation& m, const Entry* keep, int64_t now_ms) {
  if (keep != nullptr) return keep->info.expires_ms;
  if (m.expires_at_ms) return *m.expires_at_ms;
  if (!m.ttl_seconds) return Status::Internal("a staged write must name its expiry");
  return *m.ttl_seconds == 0 ? 0 : now_ms + *m.ttl_seconds * 1000;
}

}  // namespace

StagedWrites::StagedWrites(cache::CacheService& cache) : cache_(cache) {}

StagedWrites::Slots::iterator StagedWrites::Lookup(std::string_view ns, std::string_view key) {
  auto it = slots_.find(std::pair<std::string_view, std::string_view>(ns, key));
  if (it != slots_.end() && it->second.entry &&
      Expired(it->second.entry->info.expires_ms, cache_.clock().NowMillis())) {
    it->second.entry.reset();
  }
  return it;
}

const std::optional<Entry>* StagedWrites::Find(std::string_view ns, std::string_view key) {
  auto it = Lookup(ns, key);
  return it == slots_.end() ? nullptr : &it->second.entry;
}

Status StagedWrites::Observed(std::string_view ns, std::string_view key, const cache::Item* item) {
  Slot slot;
  if (item != nullptr) slot.entry = EntryOf(*item);
  slot.base = item != nullptr ? item->meta.version : 0;
  slots_.try_emplace({std::string(ns), std::string(key)}, std::move(slot));
  return StartReading();
}

Status StagedWrites::ReadBase(const std::pair<std::string, std::string>& key, Slot& slot) {
  Result<cache::Item> item = cache_.Peek(key.first, key.second);
  if (!item.ok() && item.status().code() != Code::kNotFound) return item.status();
  slot.base = item.ok() ? item->meta.version : 0;
  if (!slot.written && item.ok()) slot.entry = EntryOf(*item);
  return Status::Ok();
}

Status StagedWrites::StartReading() {
  if (reading_) return Status::Ok();
  reading_ = true;
  for (auto& [key, slot] : slots_) {
    if (slot.base) continue;
    if (Status s = ReadBase(key, slot); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<StagedWrites::Slots::iterator> StagedWrites::SlotForWrite(std::string_view ns,
                                                                 std::string_view key,
                                                                 bool read_it) {
  auto it = Lookup(ns, key);
  if (it != slots_.end()) return it;
  it = slots_.try_emplace({std::string(ns), std::string(key)}).first;
  if (read_it || reading_) {
    if (Status s = ReadBase(it->first, it->second); !s.ok()) {
      slots_.erase(it);
      return s;
    }
  }
  if (read_it) {
    if (Status s = StartReading(); !s.ok()) return s;
  }
  return it;
}

Result<std::optional<Entry>> StagedWrites::Mutate(std::string_view ns, std::string_view key,
                                                  const MutateFn& fn) {
  auto it = SlotForWrite(ns, key, true);
  if (!it.ok()) return it.status();
  Slot& slot = (*it)->second;
  const int64_t now = cache_.clock().NowMillis();
  const Entry* current = slot.entry ? &*slot.entry : nullptr;
  Result<Mutation> m = fn(current);
  if (!m.ok()) return m.status();
  switch (m->kind) {
    case Mutation::Kind::kKeep:
      return slot.entry;
    case Mutation::Kind::kDelete:
      slot.entry.reset();
      break;
    case Mutation::Kind::kTouch: {
      if (current == nullptr) return slot.entry;
      Result<int64_t> at = DeadlineOf(*m, nullptr, now);
      if (!at.ok()) return at.status();
      slot.entry->info.expires_ms = *at;
      break;
    }
    case Mutation::Kind::kPut: {
      if (Status s = cache_.CheckWrite(ns, key, m->value.size()); !s.ok()) return s;
      Result<int64_t> at = DeadlineOf(*m, m->keep_expiry ? current : nullptr, now);
      if (!at.ok()) return at.status();
      Entry e;
      e.value = std::move(m->value);
      e.content_type = std::move(m->content_type);
      e.info.flags = m->flags;
      e.info.created_ms = now;
      e.info.expires_ms = *at;
      slot.entry = std::move(e);
      break;
    }
  }
  // A Delete of an absent key is Redis's SET with a past deadline (CacheService::Mutate).
  if (m->kind != Mutation::Kind::kDelete || current == nullptr) slot.stored = true;
  slot.written = true;
  if (slot.entry && Expired(slot.entry->info.expires_ms, now)) slot.entry.reset();
  return slot.entry;
}

Status StagedWrites::Put(std::string_view ns, std::string_view key, std::string value,
                         int64_t expires_ms) {
  if (Status s = cache_.CheckWrite(ns, key, value.size()); !s.ok()) return s;
  auto it = SlotForWrite(ns, key, false);
  if (!it.ok()) return it.status();
  Slot& slot = (*it)->second;
  const int64_t now = cache_.clock().NowMillis();
  slot.written = true;
  slot.entry.reset();
  slot.stored = true;
  if (Expired(expires_ms, now)) return Status::Ok();
  Entry e;
  e.value = std::move(value);
  e.info.created_ms = now;
  e.info.expires_ms = expires_ms;
  slot.entry = std::move(e);
  return Status::Ok();
}

Status StagedWrites::Commit() {
  std::vector<cache::AtomicWrite> writes;
  const int64_t now = cache_.clock().NowMillis();
  for (auto& [key, slot] : slots_) {
    if (!slot.written) continue;
    cache::AtomicWrite w;
    w.ns = key.first;
    w.key = key.second;
    if (reading_) w.expected_version = slot.base;
    if (!slot.entry || Expired(slot.entry->info.expires_ms, now)) {
      w.remove = true;
      w.stored_before = slot.stored;
    } else {
      w.data = std::move(slot.entry->value);
      w.content_type = std::move(slot.entry->content_type);
      w.flags = slot.entry->info.flags;
      if (slot.entry->info.expires_ms != 0) {
        w.expires_at_ms = slot.entry->info.expires_ms;
      } else {
        w.expiry = cache::Expiry::Never();
      }
    }
    writes.push_back(std::move(w));
  }
  slots_.clear();
  reading_ = false;
  if (writes.empty()) return Status::Ok();
  return cache_.WriteAtomically(cache::Protocol::kRedis, writes).status();
}

}  // namespace apicached::redis
