// RocksStore: the single-key writes (Put, Add, CompareAndSet, Delete, Touch).
#include "storage/known_entry.h"
#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

Result<WriteOutcome> RocksStore::WriteIf(std::string_view ns, std::string_view key,
                                         std::string_view value, std::string_view content_type,
                                         std::optional<int64_t> ttl_seconds, uint32_t flags,
                                         WriteCondition condition, uint64_t expected_version,
                                         bool report_replaced) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateWrite(key, value, content_type); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  auto expires = ExpiresAt(ns, ttl_seconds, now);
  if (!expires.ok()) return expires.status();
  NamespaceRef n;
  if (condition == WriteCondition::kVersion) {
    n = registry_.Find(ns);  // a version can only match in an existing namespace
    if (!n) return Status::PreconditionFailed("no live entry for key" + InNamespace(ns));
  } else {
    auto found = registry_.FindOrCreate(ns);
    if (!found.ok()) return found.status();
    n = std::move(*found);
  }
  auto lock = locks_.Lock(ns, key);
  std::optional<EntryInfo> replaced;
  if (condition == WriteCondition::kAlways && report_replaced) {
    // A wrapping store that holds the key's live entry saves the read (known_entry.h).
    replaced = KnownEntryScope::Ask(ns, key, now);
  }
  if (condition != WriteCondition::kAlways || (report_replaced && !replaced)) {
    auto live = ReadLiveForWrite(*n, key, now);
    if (!live.ok()) return live.status();
    if (condition == WriteCondition::kAbsent && live->has_value()) {
      return Status::AlreadyExists("key already has a live entry" + InNamespace(ns));
    }
    if (condition == WriteCondition::kVersion && !live->has_value()) {
      return Status::PreconditionFailed("no live entry for key" + InNamespace(ns));
    }
    if (condition == WriteCondition::kVersion && (*live)->info.version != expected_version) {
      return Status::PreconditionFailed("entry is at version " +
                                        std::to_string((*live)->info.version) + ", not " +
                                        std::to_string(expected_version));
    }
    if (live->has_value()) replaced = (*live)->info;
  }
  auto info = WriteNew(*n, key, value, content_type, flags, *expires, now);
  if (!info.ok()) return info.status();
  WriteOutcome outcome;
  static_cast<EntryInfo&>(outcome) = *info;
  outcome.replaced = replaced;
  return outcome;
}

Result<WriteOutcome> RocksStore::Put(std::string_view ns, std::string_view key,
                                     std::string_view value, std::string_view content_type,
                                     std::optional<int64_t> ttl_seconds, uint32_t flags,
                                     bool report_replaced) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kAlways, 0,
                 report_replaced);
}

Result<WriteOutcome> RocksStore::Add(std::string_view ns, std::string_view key,
                                     std::string_view value, std::string_view content_type,
                                     std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kAbsent);
}

Result<WriteOutcome> RocksStore::CompareAndSet(std::string_view ns, std::string_view key,
                                               uint64_t expected_version, std::string_view value,
                                               std::string_view content_type,
                                               std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return WriteIf(ns, key, value, content_type, ttl_seconds, flags, WriteCondition::kVersion,
                 expected_version);
}

Result<bool> RocksStore::Delete(std::string_view ns, std::string_view key) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return false;
  auto lock = locks_.Lock(ns, key);
  bool present = false;
  auto live = ReadLiveForWrite(*n, key, clock_.NowMillis(), &present);
  if (!live.ok()) return live.status();
  if (!present) return false;
  rocksdb::Status s = Flushed(db_->Delete(write_options_, n->handle, ToSlice(key)));
  if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
  return live->has_value();
}

Result<EntryInfo> RocksStore::Touch(std::string_view ns, std::string_view key,
                                    std::optional<int64_t> ttl_seconds) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  auto expires = ExpiresAt(ns, ttl_seconds, now);
  if (!expires.ok()) return expires.status();
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::NotFound("no such key" + InNamespace(ns));
  auto lock = locks_.Lock(ns, key);
  auto live = ReadLiveForWrite(*n, key, now);
  if (!live.ok()) return live.status();
  if (!live->has_value()) return Status::NotFound("no such key" + InNamespace(ns));
  Entry& entry = **live;
  entry.info.expires_ms = WithGrace(*expires, entry.info.grace_seconds);
  if (entry.info.expires_ms == 0) entry.info.grace_seconds = 0;
  if (Status s = WriteEncoded(*n, key, entry.info, entry.content_type, entry.value); !s.ok()) {
    return s;
  }
  return entry.info;
}

}  // namespace apicached
