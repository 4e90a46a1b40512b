// RocksStore: the operations on key ranges (DeletePrefix, Scan).
#include <rocksdb/write_batch.h>

#include "storage/entry_codec.h"
#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

namespace {

constexpr size_t kDeleteBatchSize = 1000;

// The smallest string above every key starting with prefix; nullopt when there is none (the
// prefix is all 0xff bytes).
std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

// An iterator bounded above by the prefix's successor (RocksDB then stops early). Not movable:
// the read options point into it.
class PrefixIterator {
 public:
  PrefixIterator(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, std::string_view prefix)
      : upper_(PrefixSuccessor(prefix)) {
    rocksdb::ReadOptions read;
    if (upper_) {
      upper_slice_ = rocksdb::Slice(*upper_);
      read.iterate_upper_bound = &upper_slice_;
    }
    it_.reset(db.NewIterator(read, family));
  }
  PrefixIterator(const PrefixIterator&) = delete;
  PrefixIterator& operator=(const PrefixIterator&) = delete;
  rocksdb::Iterator* operator->() { return it_.get(); }

 private:
  const std::optional<std::string> upper_;
  rocksdb::Slice upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

Result<uint64_t> RocksStore::DeletePrefix(std::string_view ns, std::string_view prefix) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (prefix.empty()) return Status::InvalidArgument("prefix is empty");
  if (prefix.size() > options_.max_key_bytes) return uint64_t{0};
  NamespaceRef n = registry_.Find(ns);
  if (!n) return uint64_t{0};
  PrefixIterator it(*db_, n->handle, prefix);
  const int64_t now = clock_.NowMillis();
  uint64_t deleted = 0;
  rocksdb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.Count() == 0) return Status::Ok();
    Status s = FromRocks(Flushed(db_->Write(write_options_, &batch)), "deleting" + InNamespace(ns));
    batch.Clear();
    return s;
  };
  for (it->Seek(ToSlice(prefix)); it->Valid() && it->key().starts_with(ToSlice(prefix));
       it->Next()) {
    auto expires = DecodeExpiry(ToView(it->value()));
    if (expires.ok() && !IsExpired(*expires, now)) ++deleted;
    rocksdb::Status s = batch.Delete(n->handle, it->key());
    if (!s.ok()) return FromRocks(s, "batching" + InNamespace(ns));
    if (batch.Count() >= kDeleteBatchSize) {
      if (Status st = flush(); !st.ok()) return st;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "iterating" + InNamespace(ns));
  if (Status st = flush(); !st.ok()) return st;
  return deleted;
}

Result<ScanPage> RocksStore::Scan(std::string_view ns, std::string_view prefix,
                                  std::optional<std::string> start_after, size_t limit) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (limit == 0) return Status::InvalidArgument("scan limit must be at least 1");
  ScanPage page;
  NamespaceRef n = registry_.Find(ns);
  if (!n) return page;
  PrefixIterator it(*db_, n->handle, prefix);
  if (start_after && *start_after >= prefix) {
    it->Seek(*start_after);
    if (it->Valid() && it->key() == rocksdb::Slice(*start_after)) it->Next();
  } else {
    it->Seek(ToSlice(prefix));
  }
  const int64_t now = clock_.NowMillis();
  for (; it->Valid() && it->key().starts_with(ToSlice(prefix)); it->Next()) {
    auto live = DecodeLive(*n, ToView(it->value()), now);
    if (!live.ok()) return live.status();
    if (!live->has_value()) continue;
    if (page.entries.size() == limit) {
      page.next_after = page.entries.back().first;
      break;
    }
    page.entries.emplace_back(it->key().ToString(), std::move(**live));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning" + InNamespace(ns));
  return page;
}

}  // namespace apicached
