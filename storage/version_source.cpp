#include "storage/version_source.h"

#include "storage/rocks_status.h"

namespace apicached {

namespace {

constexpr char kLeaseKey[] = "apicached.version_lease";

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

}  // namespace

Result<std::unique_ptr<VersionSource>> VersionSource::Open(
    rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family,
    const rocksdb::WriteOptions& write_options) {
  std::string raw;
  uint64_t start = 1;
  rocksdb::Status s = db.Get(rocksdb::ReadOptions(), family, kLeaseKey, &raw);
  if (s.ok() && raw.size() == 8) {
    start = 0;
    for (int i = 7; i >= 0; --i) start = (start << 8) | static_cast<unsigned char>(raw[i]);
  } else if (!s.ok() && !s.IsNotFound()) {
    return FromRocks(s, "reading the version lease");
  }
  std::unique_ptr<VersionSource> source(new VersionSource(db, family, write_options, start));
  std::lock_guard lock(source->mu_);
  if (Status st = source->Lease(start + kBlock); !st.ok()) return st;
  return source;
}

Status VersionSource::Lease(uint64_t limit) {
  // Always synced: losing a lease in a power cut could hand out a version twice.
  rocksdb::WriteOptions sync = write_options_;
  sync.sync = true;
  rocksdb::Status s = db_.Put(sync, family_, kLeaseKey, EncodeU64(limit));
  if (!s.ok()) return FromRocks(s, "writing the version lease");
  limit_.store(limit);
  return Status::Ok();
}

Result<uint64_t> VersionSource::Next() {
  const uint64_t v = next_.fetch_add(1);
  if (v < limit_.load()) return v;
  std::lock_guard lock(mu_);
  while (v >= limit_.load()) {
    if (Status s = Lease(limit_.load() + kBlock); !s.ok()) return s;
  }
  return v;
}

}  // namespace apicached
