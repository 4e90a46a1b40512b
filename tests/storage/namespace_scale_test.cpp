// What namespaces cost as they grow in number (issue #12): RocksDB's OPTIONS file, rewritten with
// every column family's options and parsed back on each creation, drop and open, is never
// written (storage/no_options_file_system.h); checkpoints do without it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using NamespaceScaleTest = StoreTest;

size_t CountOptionsFiles(const std::string& dir) {
  return CountFiles(dir, [](const std::filesystem::path& p) {
    return p.filename().string().starts_with("OPTIONS");
  });
}

TEST_F(NamespaceScaleTest, CreationsDropsAndOpensWriteNoOptionsFile) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store().Put("n" + std::to_string(i), "k", "v", "", 0).ok());
  }
  ASSERT_TRUE(*store().DropNamespace("n0"));
  EXPECT_EQ(CountOptionsFiles(options_.data_dir), 0u);
  // One left by an earlier version describes namespaces that may be gone: removed at open.
  ASSERT_TRUE(store().Close().ok());
  std::ofstream(options_.data_dir + "/OPTIONS-000007") << "[Version]\n";
  Open();
  EXPECT_EQ(CountOptionsFiles(options_.data_dir), 0u);
  auto list = store().ListNamespaces();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 19u);
  EXPECT_EQ(store().Get("n19", "k")->value, "v");
}

TEST_F(NamespaceScaleTest, ACheckpointWithoutOptionsFileOpensAsAStore) {
  ASSERT_TRUE(store().Put("a", "k", "v", "", 0).ok());
  const std::string copy = dir_.Sub("checkpoint");
  ASSERT_TRUE(store().admin().Checkpoint(copy).ok());
  EXPECT_EQ(CountOptionsFiles(copy), 0u);
  StoreOptions o = options_;
  o.data_dir = copy;
  auto opened = OpenStore(o, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->Get("a", "k")->value, "v");
}

}  // namespace
}  // namespace apicached::testing
