// RocksStore: WriteAtomically, puts and deletes over several keys and namespaces as one
// WriteBatch.
#include <rocksdb/write_batch.h>

#include <map>
#include <set>
#include <utility>

#include "storage/entry_codec.h"
#include "storage/known_entry.h"
#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {
namespace {

// Past its TTL and kept for stale readers only (EntryInfo::grace_seconds).
bool InGrace(const EntryInfo& info, int64_t now) {
  return info.grace_seconds > 0 && now >= info.expires_ms - int64_t{info.grace_seconds} * 1000;
}

}  // namespace

Result<std::vector<BatchWriteResult>> RocksStore::WriteAtomically(
    const std::vector<BatchWrite>& writes) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  const int64_t now = clock_.NowMillis();
  std::vector<int64_t> expires(writes.size(), 0);
  std::set<std::string_view> created;  // namespaces a put of the batch creates if missing
  for (size_t i = 0; i < writes.size(); ++i) {
    const BatchWrite& w = writes[i];
    const bool put = w.kind == BatchWrite::Kind::kPut;
    Status s = ValidateAnyNamespace(w.ns);
    if (s.ok()) s = put ? ValidateWrite(w.key, w.value, w.content_type) : ValidateKey(w.key);
    if (s.ok() && put && !w.expires_at_ms) {
      Result<int64_t> at = ExpiresAt(w.ns, w.ttl_seconds, now);
      if (at.ok()) expires[i] = *at;
      s = at.status();
    }
    if (!s.ok()) return Status(s.code(), "write " + std::to_string(i) + ": " + s.message());
    if (put && w.expires_at_ms) expires[i] = *w.expires_at_ms;
    if (put) created.insert(w.ns);
  }
  std::vector<BatchWriteResult> results(writes.size());
  if (writes.empty()) return results;

  // Namespaces are created holding no other namespace (a creation can wait for a Drop, which
  // waits for every holder of its namespace), then all are held; a namespace dropped in
  // between is created again.
  std::map<std::string_view, NamespaceRef> spaces;
  for (;;) {
    spaces.clear();
    for (std::string_view ns : created) {
      auto made = registry_.FindOrCreate(ns);
      if (!made.ok()) return made.status();
    }
    bool complete = true;
    for (const BatchWrite& w : writes) {
      auto [it, fresh] = spaces.try_emplace(w.ns);
      if (fresh) it->second = registry_.Find(w.ns);
      if (!it->second && created.count(w.ns) != 0) complete = false;
    }
    if (complete) break;
  }

  auto lock = locks_.LockEach(writes, [](const BatchWrite& w) {
    return std::pair<std::string_view, std::string_view>(w.ns, w.key);
  });
  // Whether each key is live as the batch goes: stored state first, then the batch's writes.
  std::map<std::pair<std::string_view, std::string_view>, bool> live;
  std::set<std::pair<std::string_view, std::string_view>> in_grace;  // stored, in their grace
  rocksdb::WriteBatch batch;
  for (size_t i = 0; i < writes.size(); ++i) {
    const BatchWrite& w = writes[i];
    NamespaceRef& n = spaces.at(w.ns);
    auto [it, fresh] = live.try_emplace({w.ns, w.key}, false);
    uint64_t stored_version = 0;
    if (fresh && n) {
      // A wrapping store that holds the key's live entry saves the read (known_entry.h).
      std::optional<EntryInfo> known = KnownEntryScope::Ask(w.ns, w.key, now);
      if (!known) {
        auto stored = ReadLiveForWrite(*n, w.key, now);
        if (!stored.ok()) return stored.status();
        if (*stored) known = (*stored)->info;
      }
      it->second = known.has_value();
      if (known && !InGrace(*known, now)) stored_version = known->version;
      if (known && InGrace(*known, now)) in_grace.insert(it->first);
    }
    if (fresh && w.expected_version && *w.expected_version != stored_version) {
      return Status::PreconditionFailed("write " + std::to_string(i) + ": the key" +
                                        InNamespace(w.ns) + " was written since the batch read it");
    }
    results[i].existed = it->second;
    results[i].in_grace = it->second && in_grace.erase(it->first) != 0;  // the first write only
    rocksdb::Status s;
    if (w.kind == BatchWrite::Kind::kDelete) {
      it->second = false;
      if (!n) continue;  // nothing was ever stored there
      s = batch.Delete(n->handle, ToSlice(w.key));
    } else {
      auto version = versions_->Next();
      if (!version.ok()) return version.status();
      results[i].info = {.created_ms = now,
                         .expires_ms = expires[i],
                         .version = *version,
                         .flags = w.flags,
                         .grace_seconds = 0};
      it->second = !IsExpired(expires[i], now);
      s = batch.Put(n->handle, ToSlice(w.key),
                    EncodeEntry(results[i].info, w.content_type, w.value));
    }
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(w.ns));
  }
  if (batch.Count() == 0) return results;
  rocksdb::Status s = Flushed(db_->Write(write_options_, &batch));
  if (!s.ok()) return FromRocks(s, "writing an atomic batch");
  return results;
}

}  // namespace apicached
