// A data dir written before the entry format carried client flags (format 1) still opens: its
// entries read back unchanged with flags 0, and their next write stores format 2.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/storage/format_one_entry.h"
#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

class StoreFormatTest : public StoreTest {
 protected:
  // Overwrites ns/key with raw bytes through RocksDB itself, the store closed meanwhile.
  void WriteRaw(const std::string& ns, const std::string& key, const std::string& raw) {
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
    rocksdb::DBOptions db_options;
    std::vector<std::string> families;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(db_options, options_.data_dir, &families).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    size_t target = families.size();
    for (size_t i = 0; i < families.size(); ++i) {
      descriptors.emplace_back(families[i], rocksdb::ColumnFamilyOptions());
      if (families[i] == "ns:" + ns) target = i;
    }
    ASSERT_LT(target, families.size()) << "no column family for namespace " << ns;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw_db = nullptr;
    ASSERT_TRUE(
        rocksdb::DB::Open(db_options, options_.data_dir, descriptors, &handles, &raw_db).ok());
    std::unique_ptr<rocksdb::DB> db(raw_db);
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), handles[target], key, raw).ok());
    for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(db->Close().ok());
    db.reset();
    Open();
  }
};

TEST_F(StoreFormatTest, FormatOneEntriesReadBackWithFlagsZero) {
  ASSERT_TRUE(store().Put("old", "k", "placeholder", "", 0).ok());  // creates the namespace
  WriteRaw("old", "k", FormatOneEntry());
  clock_.Set(5000);  // before the entry's expires_ms of 10000

  auto entry = store().Get("old", "k");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->value, "hello");
  EXPECT_EQ(entry->content_type, "text/plain");
  EXPECT_EQ(entry->info.version, 42u);
  EXPECT_EQ(entry->info.created_ms, 1000);
  EXPECT_EQ(entry->info.expires_ms, 10000);
  EXPECT_EQ(entry->info.flags, 0u);

  // A touch rewrites it (format 2) keeping everything but the expiry.
  ASSERT_TRUE(store().Touch("old", "k", 0).ok());
  Reopen();
  entry = store().Get("old", "k");
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->value, "hello");
  EXPECT_EQ(entry->info.version, 42u);
  EXPECT_EQ(entry->info.expires_ms, 0);

  // A format-1 entry expires at its expires_ms like any other.
  WriteRaw("old", "k", FormatOneEntry());
  clock_.Set(10'000);
  EXPECT_EQ(store().Get("old", "k").code(), Code::kNotFound);
}

}  // namespace
}  // namespace apicached::testing
