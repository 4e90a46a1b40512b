// Records, per SST file, how many entries it holds and when they expire, so that the
// background check can find files whose entries have mostly expired. Private to storage/.
//
// Properties written (text, so `sst_dump` shows them):
//   apicached.entries   puts in the file
//   apicached.deletes   point tombstones in the file (space a compaction can also give back)
//   apicached.expiry    a histogram "end_ms:count,end_ms:count,..." in ascending end_ms, of
//                       about kBuckets (at most 2 * kBuckets + 1) buckets; every entry counted
//                       in a bucket expires at or before its end_ms. Entries that never expire
//                       are not in it.
//
// Thread safety: RocksDB uses one collector per file being built; the factory is stateless.
#pragma once

#include <rocksdb/table_properties.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace apicached {

inline constexpr char kEntriesProperty[] = "apicached.entries";
inline constexpr char kDeletesProperty[] = "apicached.deletes";
inline constexpr char kExpiryProperty[] = "apicached.expiry";

// What one file's properties say.
struct ExpiryProfile {
  uint64_t entries = 0;
  uint64_t deletes = 0;
  std::vector<std::pair<int64_t, uint64_t>> buckets;  // (end_ms, count), ascending end_ms

  // Share of the file's records (entries + tombstones) that compaction would drop at now_ms.
  // Conservative: a bucket counts only once its end has passed. 0 for an empty file.
  double ReclaimableFraction(int64_t now_ms) const;
};

// Reads a file's properties; files written before the collector existed give an empty profile.
ExpiryProfile ParseExpiryProfile(const rocksdb::UserCollectedProperties& props);

class ExpiryPropertiesCollector final : public rocksdb::TablePropertiesCollector {
 public:
  static constexpr size_t kBuckets = 32;

  rocksdb::Status AddUserKey(const rocksdb::Slice& key, const rocksdb::Slice& value,
                             rocksdb::EntryType type, rocksdb::SequenceNumber seq,
                             uint64_t file_size) override;
  rocksdb::Status Finish(rocksdb::UserCollectedProperties* properties) override;
  rocksdb::UserCollectedProperties GetReadableProperties() const override;
  const char* Name() const override { return "apicached.ExpiryPropertiesCollector"; }

 private:
  void Coarsen();  // keeps expiries_ small by merging neighbours

  uint64_t entries_ = 0;
  uint64_t deletes_ = 0;
  std::map<int64_t, uint64_t> expiries_;  // expiry rounded up to a second -> count
};

class ExpiryPropertiesCollectorFactory final : public rocksdb::TablePropertiesCollectorFactory {
 public:
  rocksdb::TablePropertiesCollector* CreateTablePropertiesCollector(
      rocksdb::TablePropertiesCollectorFactory::Context context) override;
  const char* Name() const override { return "apicached.ExpiryPropertiesCollectorFactory"; }
};

}  // namespace apicached
