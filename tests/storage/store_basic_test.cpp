// Get, Put, Delete, validation and the entry metadata.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using BasicTest = StoreTest;

TEST_F(BasicTest, PutThenGetReturnsValueAndMetadata) {
  auto put = store().Put("migo", "ruc:20100070970", R"({"ok":true})", "application/json", 60);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->created_ms, clock_.NowMillis());
  EXPECT_EQ(put->expires_ms, clock_.NowMillis() + 60'000);

  auto got = store().Get("migo", "ruc:20100070970");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->value, R"({"ok":true})");
  EXPECT_EQ(got->content_type, "application/json");
  EXPECT_EQ(got->info.version, put->version);
  EXPECT_EQ(got->info.created_ms, put->created_ms);
  EXPECT_EQ(got->info.expires_ms, put->expires_ms);
}

TEST_F(BasicTest, GetMissingIsNotFoundAndDoesNotCreateNamespace) {
  EXPECT_EQ(store().Get("nope", "k").code(), Code::kNotFound);
  EXPECT_EQ(store().GetNamespace("nope").code(), Code::kNotFound);
  ASSERT_TRUE(store().Put("yes", "a", "1", "", 0).ok());
  EXPECT_EQ(store().Get("yes", "b").code(), Code::kNotFound);
}

TEST_F(BasicTest, PutReplacesAndGivesNewVersion) {
  auto first = store().Put("ns", "k", "one", "text/plain", 0);
  auto second = store().Put("ns", "k", "two", "", 0);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->version, second->version);
  auto got = store().Get("ns", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "two");
  EXPECT_EQ(got->content_type, "");
}

TEST_F(BasicTest, DeleteSaysWhetherALiveEntryExisted) {
  ASSERT_TRUE(store().Put("ns", "k", "v", "", 10).ok());
  auto deleted = store().Delete("ns", "k");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kNotFound);
  deleted = store().Delete("ns", "k");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  deleted = store().Delete("never", "k");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted);
  EXPECT_EQ(store().GetNamespace("never").code(), Code::kNotFound);

  ASSERT_TRUE(store().Put("ns", "expiring", "v", "", 10).ok());
  clock_.Advance(std::chrono::seconds(10));
  deleted = store().Delete("ns", "expiring");
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(*deleted) << "an expired entry is not a live one";
}

TEST_F(BasicTest, RefusesBadNamespaceNamesWithTheReason) {
  struct Case {
    std::string name;
    std::string words;
  };
  for (const Case& c : {Case{"", "empty"}, Case{std::string(65, 'a'), "at most 64"},
                        Case{"Migo", "'M' at position 0"}, Case{"mi go", "' ' at position 2"},
                        Case{"a/b", "'/' at position 1"}, Case{"a\x01", "byte 0x01"}}) {
    auto put = store().Put(c.name, "k", "v", "", 0);
    EXPECT_EQ(put.code(), Code::kInvalidArgument) << c.name;
    EXPECT_NE(put.status().message().find(c.words), std::string::npos) << put.status().message();
    EXPECT_EQ(ValidateNamespaceName(c.name).code(), Code::kInvalidArgument);
  }
  EXPECT_TRUE(ValidateNamespaceName(std::string(64, 'z')).ok());
  EXPECT_TRUE(ValidateNamespaceName("a-b_c-0123456789").ok());
  EXPECT_TRUE(store().Put(std::string(64, 'z'), "k", "v", "", 0).ok());
}

TEST_F(BasicTest, RefusesBadKeysValuesAndTtls) {
  options_.max_value_bytes = 100;
  options_.max_key_bytes = 8;
  Reopen();
  EXPECT_EQ(store().Put("ns", "", "v", "", 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Get("ns", "").code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Put("ns", "123456789", "v", "", 0).code(), Code::kInvalidArgument);
  EXPECT_TRUE(store().Put("ns", "12345678", "v", "", 0).ok());
  auto big = store().Put("ns", "k", std::string(101, 'x'), "", 0);
  EXPECT_EQ(big.code(), Code::kTooLarge);
  EXPECT_NE(big.status().message().find("101 bytes"), std::string::npos);
  EXPECT_TRUE(store().Put("ns", "k", std::string(100, 'x'), "", 0).ok());
  auto negative = store().Put("ns", "k", "v", "", -1);
  EXPECT_EQ(negative.code(), Code::kInvalidArgument);
  EXPECT_NE(negative.status().message().find("negative"), std::string::npos);
  EXPECT_EQ(store().Put("ns", "k", "v", "", INT64_MAX).code(), Code::kInvalidArgument);
}

// Every write path refuses a content type that is not a media type (it would reach a response
// header), so no front and no protocol can store one.
TEST_F(BasicTest, EveryWritePathRefusesAContentTypeThatIsNotAMediaType) {
  const std::string bad = "text/html\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK";
  ASSERT_TRUE(store().Put("ns", "k", "v", "text/plain", 0).ok());
  const uint64_t version = store().Get("ns", "k")->info.version;
  auto put = store().Put("ns", "k", "v", bad, 0);
  EXPECT_EQ(put.code(), Code::kInvalidArgument);
  EXPECT_NE(put.status().message().find("media type"), std::string::npos)
      << put.status().ToString();
  EXPECT_EQ(store().Add("ns", "new", "v", bad, 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().CompareAndSet("ns", "k", version, "v", bad, 0).code(), Code::kInvalidArgument);
  auto mutated = store().Mutate("ns", "k", [&](const Entry*) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = "v";
    m.content_type = bad;
    return m;
  });
  EXPECT_EQ(mutated.code(), Code::kInvalidArgument);
  std::vector<PutItem> items = {
      {.key = "a", .value = "1", .content_type = "text/plain", .ttl_seconds = 0},
      {.key = "b", .value = "2", .content_type = "no-slash", .ttl_seconds = 0}};
  EXPECT_EQ(store().MultiPut("ns", items).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);  // all or nothing
  EXPECT_EQ(store().Get("ns", "new").code(), Code::kNotFound);
  auto kept = store().Get("ns", "k");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->content_type, "text/plain");
  EXPECT_EQ(kept->info.version, version);
  // Empty still means "none given"; parameters are fine.
  EXPECT_TRUE(store().Put("ns", "k", "v", "", 0).ok());
  EXPECT_TRUE(store().Put("ns", "k", "v", "text/plain; charset=\"utf-8\"", 0).ok());
}

TEST_F(BasicTest, NamespaceCapCountsOnlyUserNamespaces) {
  options_.max_namespaces = 2;
  Reopen();
  ASSERT_TRUE(store().Put("a", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Put(".internal", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Put("b", "k", "v", "", 0).ok());
  auto third = store().Put("c", "k", "v", "", 0);
  EXPECT_EQ(third.code(), Code::kResourceExhausted);
  EXPECT_NE(third.status().message().find("limit"), std::string::npos);
  EXPECT_TRUE(store().Put("a", "k2", "v", "", 0).ok()) << "existing namespaces still take writes";
  EXPECT_TRUE(store().Put(".other", "k", "v", "", 0).ok());
  Reopen();
  EXPECT_EQ(store().Put("c", "k", "v", "", 0).code(), Code::kResourceExhausted);
}

TEST_F(BasicTest, EveryByteValueAndNulKeysRoundTrip) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  const std::string key("a\0b\xff", 4);
  ASSERT_TRUE(store().Put("ns", key, value, "application/octet-stream", 0).ok());
  ASSERT_TRUE(store().Put("ns", std::string("a\0c", 3), "other", "", 0).ok());
  Reopen();
  auto got = store().Get("ns", key);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, value);
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
  ASSERT_TRUE(store().Put("ns", "empty", "", "", 0).ok());
  got = store().Get("ns", "empty");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "");
}

TEST_F(BasicTest, NamespacesAndEntriesSurviveReopenInternalOnesHidden) {
  ASSERT_TRUE(store().Put("migo", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Put("nubefact", "k", "v", "", 0).ok());
  ASSERT_TRUE(store().Put(".stats", "k", "v", "", 0).ok());
  Reopen();
  auto list = store().ListNamespaces();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "migo");
  EXPECT_EQ((*list)[1].name, "nubefact");
  EXPECT_TRUE(store().GetNamespace(".stats").ok());
  EXPECT_TRUE(store().Get(".stats", "k").ok());
  EXPECT_TRUE(store().Get("migo", "k").ok());
}

TEST_F(BasicTest, VersionsStayUniqueAcrossReopen) {
  auto before = store().Put("ns", "k", "v", "", 0);
  ASSERT_TRUE(before.ok());
  Reopen();
  auto after = store().Put("ns", "k", "v", "", 0);
  ASSERT_TRUE(after.ok());
  EXPECT_GT(after->version, before->version);
}

TEST_F(BasicTest, CloseIsIdempotentAndLaterCallsAreUnavailable) {
  EXPECT_TRUE(store().Close().ok());
  EXPECT_TRUE(store().Close().ok());
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kUnavailable);
  EXPECT_EQ(store().Put("ns", "k", "v", "", 0).code(), Code::kUnavailable);
  EXPECT_EQ(store().admin().CheckHealth().code(), Code::kUnavailable);
}

TEST_F(BasicTest, HealthProbeWorksAndStaysHidden) {
  EXPECT_TRUE(store().admin().CheckHealth().ok());
  auto list = store().ListNamespaces();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST(OpenStoreTest, DataDirThatCannotBeCreatedIsUnavailable) {
  TempDir dir;
  const std::string file = dir.Sub("file");
  ASSERT_EQ(close(creat(file.c_str(), 0600)), 0);
  FakeClock clock;
  StoreOptions options;
  options.data_dir = file + "/db";  // under a regular file: works as root too
  auto opened = OpenStore(options, clock);
  EXPECT_EQ(opened.code(), Code::kUnavailable) << opened.status().ToString();
  EXPECT_NE(opened.status().message().find(options.data_dir), std::string::npos);
}

TEST(OpenStoreTest, CreatesDataDirPrivate) {
  TempDir dir;
  FakeClock clock;
  StoreOptions options;
  options.data_dir = dir.Sub("db");
  options.maintenance_period_seconds = 0;
  auto opened = OpenStore(options, clock);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(options.data_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

// RocksDB's log goes to stderr: warnings always, its INFO lines (the options and DB summary it
// writes at every open, flushes, compactions) only with engine_info_log.
TEST(EngineLogTest, InfoLinesGoToStderrOnlyWhenAskedFor) {
  for (const bool info : {false, true}) {
    TempDir dir;
    FakeClock clock;
    StoreOptions options;
    options.data_dir = dir.Sub("db");
    options.maintenance_period_seconds = 0;
    options.engine_info_log = info;
    ::testing::internal::CaptureStderr();
    Status result;
    {
      auto store = OpenStore(options, clock);
      result = store.ok() ? (*store)->Close() : store.status();
    }
    const std::string err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(result.ok()) << result.ToString();
    if (info) {
      EXPECT_NE(err.find("apicached: rocksdb: "), std::string::npos) << "no INFO line";
    } else {
      EXPECT_EQ(err.find("apicached: rocksdb: "), std::string::npos) << err;
    }
    EXPECT_FALSE(std::filesystem::exists(dir.Sub("db/LOG"))) << "RocksDB wrote a LOG file";
  }
}

}  // namespace
}  // namespace apicached::testing
