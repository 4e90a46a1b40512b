// RocksStore: the operations on many keys at once (MultiGet, MultiPut, DeleteMany, its Blind form).
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "storage/entry_codec.h"
#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

namespace {

// The namespace name and every key of a batch; validate_key is RocksStore::ValidateKey.
template <typename ValidateKey>
Status ValidateKeys(std::string_view ns, const std::vector<std::string>& keys,
                    ValidateKey validate_key) {
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  for (const std::string& key : keys) {
    if (Status s = validate_key(key); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::optional<Entry>>> RocksStore::MultiGet(
    std::string_view ns, const std::vector<std::string>& keys) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateKeys(ns, keys, [this](auto& k) { return ValidateKey(k); }); !s.ok()) {
    return s;
  }
  std::vector<std::optional<Entry>> out(keys.size());
  NamespaceRef n = registry_.Find(ns);
  if (!n || keys.empty()) return out;
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), n->handle, keys.size(), slices.data(), values.data(),
                statuses.data());
  const int64_t now = clock_.NowMillis();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading" + InNamespace(ns));
    auto live = DecodeLive(*n, ToView(values[i]), now);
    if (!live.ok()) return live.status();
    out[i] = std::move(*live);
  }
  return out;
}

Result<std::vector<EntryInfo>> RocksStore::MultiPut(std::string_view ns,
                                                    const std::vector<PutItem>& items) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  std::vector<int64_t> expires(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const PutItem& item = items[i];
    Status s = ValidateWrite(item.key, item.value, item.content_type);
    Result<int64_t> at = !s.ok()              ? Result<int64_t>(s)
                         : item.expires_at_ms ? Result<int64_t>(*item.expires_at_ms)
                                              : ExpiresAt(ns, item.ttl_seconds, now);
    if (!at.ok()) {
      return Status(at.code(), "item " + std::to_string(i) + ": " + at.status().message());
    }
    expires[i] = *at;
  }
  std::vector<EntryInfo> infos;
  if (items.empty()) return infos;
  auto n = registry_.FindOrCreate(ns);
  if (!n.ok()) return n.status();
  auto lock =
      locks_.LockMany(ns, items, [](const PutItem& item) -> std::string_view { return item.key; });
  rocksdb::WriteBatch batch;
  infos.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const PutItem& item = items[i];
    auto version = versions_->Next();
    if (!version.ok()) return version.status();
    infos.push_back(
        {.created_ms = now, .expires_ms = expires[i], .version = *version, .flags = item.flags});
    rocksdb::Status s = batch.Put((*n)->handle, ToSlice(item.key),
                                  EncodeEntry(infos.back(), item.content_type, item.value));
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
  }
  rocksdb::Status s = Flushed(db_->Write(write_options_, &batch));
  if (!s.ok()) return FromRocks(s, "writing a batch" + InNamespace(ns));
  return infos;
}

Result<uint64_t> RocksStore::DeleteMany(std::string_view ns, const std::vector<std::string>& keys) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateKeys(ns, keys, [this](auto& k) { return ValidateKey(k); }); !s.ok()) {
    return s;
  }
  NamespaceRef n = registry_.Find(ns);
  if (!n || keys.empty()) return uint64_t{0};
  auto lock = locks_.LockMany(ns, keys, [](const std::string& k) -> std::string_view { return k; });
  const int64_t now = clock_.NowMillis();
  rocksdb::WriteBatch batch;
  uint64_t deleted = 0;
  std::vector<std::string> sorted(keys);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());  // count each key once
  for (const std::string& key : sorted) {
    bool present = false;
    auto live = ReadLiveForWrite(*n, key, now, &present);
    if (!live.ok()) return live.status();
    if (!present) continue;
    if (live->has_value()) ++deleted;
    rocksdb::Status s = batch.Delete(n->handle, ToSlice(key));
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
  }
  if (batch.Count() == 0) return deleted;
  rocksdb::Status s = Flushed(db_->Write(write_options_, &batch));
  if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
  return deleted;
}

Status RocksStore::DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateKeys(ns, keys, [this](auto& k) { return ValidateKey(k); }); !s.ok()) {
    return s;
  }
  NamespaceRef n = registry_.Find(ns);
  if (!n || keys.empty()) return Status::Ok();
  rocksdb::WriteBatch batch;
  for (const std::string& key : keys) {
    rocksdb::Status s = batch.Delete(n->handle, ToSlice(key));
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
  }
  // The stripes serialise the write with the read-modify-writes, as every write's do; nothing is
  // read under them.
  auto lock = locks_.LockMany(ns, keys, [](const std::string& k) -> std::string_view { return k; });
  rocksdb::Status s = Flushed(db_->Write(write_options_, &batch));
  if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
  return Status::Ok();
}

}  // namespace apicached
