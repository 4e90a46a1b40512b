// RocksStore: reading one live entry and writing one new version; Get.
#include "storage/entry_codec.h"
#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

Result<std::optional<Entry>> RocksStore::DecodeLive(Namespace& ns, std::string_view raw,
                                                    int64_t now_ms) {
  Result<Entry> entry = DecodeEntry(raw);
  if (!entry.ok()) return Status::Internal(entry.status().message() + InNamespace(ns.name));
  if (IsExpired(entry->info.expires_ms, now_ms)) {
    ns.expired_reads.fetch_add(1, std::memory_order_relaxed);
    return std::optional<Entry>();
  }
  return std::optional<Entry>(std::move(*entry));
}

Result<std::optional<Entry>> RocksStore::ReadLive(Namespace& ns, std::string_view key,
                                                  int64_t now_ms, bool* present, bool cache_first) {
  rocksdb::ReadOptions read;
  if (cache_first) read.read_tier = rocksdb::kBlockCacheTier;  // Incomplete, not a file read
  rocksdb::PinnableSlice raw;
  rocksdb::Status s = db_->Get(read, ns.handle, ToSlice(key), &raw);
  // The cache tier cannot tell: Incomplete, or (a table file that is not open when max_open_files
  // bounds them, RocksDB's "key may exist") OK with no value, which no stored entry is.
  if (cache_first && (s.IsIncomplete() || (s.ok() && raw.empty()))) {
    return ReadLive(ns, key, now_ms, present);
  }
  if (present != nullptr) *present = s.ok();
  if (s.IsNotFound()) return std::optional<Entry>();
  if (!s.ok()) return FromRocks(s, "reading" + InNamespace(ns.name));
  return DecodeLive(ns, ToView(raw), now_ms);
}

Status RocksStore::WriteEncoded(Namespace& ns, std::string_view key, const EntryInfo& info,
                                std::string_view content_type, std::string_view value) {
  return FromRocks(Flushed(db_->Put(write_options_, ns.handle, ToSlice(key),
                                    EncodeEntry(info, content_type, value))),
                   "writing" + InNamespace(ns.name));
}

Result<EntryInfo> RocksStore::WriteNew(Namespace& ns, std::string_view key, std::string_view value,
                                       std::string_view content_type, uint32_t flags,
                                       int64_t expires_ms, int64_t now_ms, uint32_t grace_seconds) {
  Result<uint64_t> version = versions_->Next();
  if (!version.ok()) return version.status();
  const EntryInfo info{.created_ms = now_ms,
                       .expires_ms = expires_ms,
                       .version = *version,
                       .flags = flags,
                       .grace_seconds = expires_ms == 0 ? 0 : grace_seconds};
  if (Status s = WriteEncoded(ns, key, info, content_type, value); !s.ok()) return s;
  return info;
}

Result<Entry> RocksStore::Get(std::string_view ns, std::string_view key) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return Status::NotFound("no such key" + InNamespace(ns));
  auto live = ReadLive(*n, key, clock_.NowMillis());
  if (!live.ok()) return live.status();
  if (!live->has_value()) return Status::NotFound("no such key" + InNamespace(ns));
  return std::move(**live);
}

}  // namespace apicached
