// Add, CompareAndSet, Touch, Incr, Mutate, the batch operations, Scan and Checkpoint.
#include <string>
#include <vector>

#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using OpsTest = StoreTest;
using std::chrono::seconds;

TEST_F(OpsTest, AddOnlyWhenNoLiveEntry) {
  auto first = store().Add("ns", "k", "one", "", 10);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(store().Add("ns", "k", "two", "", 10).code(), Code::kAlreadyExists);
  EXPECT_EQ(store().Get("ns", "k")->value, "one");
  clock_.Advance(seconds(10));
  auto again = store().Add("ns", "k", "three", "", 10);
  ASSERT_TRUE(again.ok()) << "an expired entry counts as absent";
  EXPECT_EQ(store().Get("ns", "k")->value, "three");
}

TEST_F(OpsTest, CompareAndSetOnVersion) {
  auto put = store().Put("ns", "k", "one", "", 10);
  ASSERT_TRUE(put.ok());
  auto wrong = store().CompareAndSet("ns", "k", put->version + 1, "x", "", 10);
  EXPECT_EQ(wrong.code(), Code::kPreconditionFailed);
  auto cas = store().CompareAndSet("ns", "k", put->version, "two", "text/plain", 10);
  ASSERT_TRUE(cas.ok()) << cas.status().ToString();
  EXPECT_NE(cas->version, put->version);
  EXPECT_EQ(store().Get("ns", "k")->value, "two");
  EXPECT_EQ(store().CompareAndSet("ns", "k", put->version, "x", "", 10).code(),
            Code::kPreconditionFailed);
  EXPECT_EQ(store().CompareAndSet("ns", "missing", 1, "x", "", 10).code(),
            Code::kPreconditionFailed);
  EXPECT_EQ(store().CompareAndSet("nons", "k", 1, "x", "", 10).code(), Code::kPreconditionFailed);
  clock_.Advance(seconds(10));
  EXPECT_EQ(store().CompareAndSet("ns", "k", cas->version, "x", "", 10).code(),
            Code::kPreconditionFailed)
      << "an expired entry has no version to match";
}

TEST_F(OpsTest, TouchKeepsValueAndVersion) {
  auto put = store().Put("ns", "k", "v", "text/plain", 10);
  ASSERT_TRUE(put.ok());
  clock_.Advance(seconds(5));
  auto touched = store().Touch("ns", "k", 100);
  ASSERT_TRUE(touched.ok()) << touched.status().ToString();
  EXPECT_EQ(touched->version, put->version);
  EXPECT_EQ(touched->created_ms, put->created_ms);
  EXPECT_EQ(touched->expires_ms, clock_.NowMillis() + 100'000);
  clock_.Advance(seconds(50));
  auto got = store().Get("ns", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "v");
  EXPECT_EQ(got->content_type, "text/plain");
  EXPECT_EQ(got->info.version, put->version);
  EXPECT_TRUE(store().Touch("ns", "k", 0).ok());
  clock_.Advance(seconds(1'000'000));
  EXPECT_TRUE(store().Get("ns", "k").ok()) << "touched to never expire";
}

TEST_F(OpsTest, TouchOnExpiredOrMissingIsNotFound) {
  ASSERT_TRUE(store().Put("ns", "k", "v", "", 10).ok());
  clock_.Advance(seconds(10));
  EXPECT_EQ(store().Touch("ns", "k", 100).code(), Code::kNotFound);
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kNotFound) << "touch must not revive it";
  EXPECT_EQ(store().Touch("ns", "missing", 100).code(), Code::kNotFound);
  EXPECT_EQ(store().Touch("nons", "k", 100).code(), Code::kNotFound);
}

TEST_F(OpsTest, IncrCreatesAddsAndKeepsExpiry) {
  auto v = store().Incr("ns", "n", 5, 60);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(*v, 5);
  const int64_t expires = store().Get("ns", "n")->info.expires_ms;
  EXPECT_EQ(expires, clock_.NowMillis() + 60'000);
  clock_.Advance(seconds(30));
  v = store().Incr("ns", "n", -7, 1000);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, -2);
  auto got = store().Get("ns", "n");
  EXPECT_EQ(got->value, "-2");
  EXPECT_EQ(got->info.expires_ms, expires) << "incr keeps the expiry";
  clock_.Advance(seconds(30));
  v = store().Incr("ns", "n", 1, 5);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 1) << "an expired counter starts again from delta";
  EXPECT_EQ(store().Get("ns", "n")->info.expires_ms, clock_.NowMillis() + 5'000);
}

TEST_F(OpsTest, IncrConflictsOnNonIntegerAndOverflow) {
  for (const char* bad : {"abc", "", "1.5", " 1", "1 ", "+1", "-", "99999999999999999999"}) {
    ASSERT_TRUE(store().Put("ns", "k", bad, "", 0).ok());
    auto v = store().Incr("ns", "k", 1, 0);
    EXPECT_EQ(v.code(), Code::kConflict) << "'" << bad << "'";
    EXPECT_EQ(store().Get("ns", "k")->value, bad) << "nothing is written";
  }
  ASSERT_TRUE(store().Put("ns", "k", std::to_string(INT64_MAX), "", 0).ok());
  auto v = store().Incr("ns", "k", 1, 0);
  EXPECT_EQ(v.code(), Code::kConflict);
  EXPECT_NE(v.status().message().find("overflow"), std::string::npos);
  ASSERT_TRUE(store().Put("ns", "k", std::to_string(INT64_MIN), "", 0).ok());
  EXPECT_EQ(store().Incr("ns", "k", -1, 0).code(), Code::kConflict);
  v = store().Incr("ns", "k", INT64_MAX, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, -1);
}

TEST_F(OpsTest, MutateReadsAndWritesAtomically) {
  auto put_fn = [](const Entry* current) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = current ? current->value + "+" : "start";
    m.content_type = "text/plain";
    m.ttl_seconds = 10;
    m.keep_expiry = true;
    return m;
  };
  auto created = store().Mutate("fresh", "k", put_fn);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(created->has_value());
  EXPECT_EQ((*created)->value, "start");
  EXPECT_EQ((*created)->info.expires_ms, clock_.NowMillis() + 10'000);
  clock_.Advance(seconds(3));
  auto updated = store().Mutate("fresh", "k", put_fn);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ((*updated)->value, "start+");
  EXPECT_EQ((*updated)->info.expires_ms, (*created)->info.expires_ms) << "keep_expiry";

  auto keep = store().Mutate("fresh", "k", [](const Entry*) { return Mutation::Keep(); });
  ASSERT_TRUE(keep.ok());
  EXPECT_EQ((*keep)->value, "start+");

  auto failing = store().Mutate(
      "fresh", "k", [](const Entry*) -> Result<Mutation> { return Status::Conflict("no"); });
  EXPECT_EQ(failing.code(), Code::kConflict);
  EXPECT_EQ(store().Get("fresh", "k")->value, "start+");

  auto deleted = store().Mutate("fresh", "k", [](const Entry*) { return Mutation::Delete(); });
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(deleted->has_value());
  EXPECT_EQ(store().Get("fresh", "k").code(), Code::kNotFound);

  auto none = store().Mutate("other", "k", [](const Entry* current) -> Result<Mutation> {
    EXPECT_EQ(current, nullptr);
    return Mutation::Keep();
  });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(store().GetNamespace("other").code(), Code::kNotFound) << "keep creates nothing";

  auto too_big = store().Mutate("fresh", "k", [&](const Entry*) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = std::string(options_.max_value_bytes + 1, 'x');
    return m;
  });
  EXPECT_EQ(too_big.code(), Code::kTooLarge);
}

TEST_F(OpsTest, MutateSeesExpiredAsAbsent) {
  ASSERT_TRUE(store().Put("ns", "k", "old", "", 10).ok());
  clock_.Advance(seconds(10));
  bool saw_null = false;
  auto r = store().Mutate("ns", "k", [&](const Entry* current) {
    saw_null = current == nullptr;
    return Mutation::Keep();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(saw_null);
  EXPECT_FALSE(r->has_value());
}

TEST_F(OpsTest, MutateWithAnAbsoluteDeadlineKeepsItToTheMillisecond) {
  const int64_t at = clock_.NowMillis() + 1500;
  auto put = store().Mutate("ns", "k", [&](const Entry*) {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = "v";
    m.ttl_seconds = 60;  // ignored: the deadline wins
    m.expires_at_ms = at;
    return m;
  });
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ((*put)->info.expires_ms, at);
  auto touched = store().Mutate("ns", "k", [&](const Entry*) {
    Mutation m = Mutation::Touch(60);
    m.expires_at_ms = at + 250;
    return m;
  });
  ASSERT_TRUE(touched.ok());
  EXPECT_EQ(store().Get("ns", "k")->info.expires_ms, at + 250);
  clock_.Advance(std::chrono::milliseconds(1749));
  EXPECT_TRUE(store().Get("ns", "k").ok());
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(store().Get("ns", "k").code(), Code::kNotFound);
}

TEST_F(OpsTest, MultiGetAndMultiPut) {
  std::vector<PutItem> items;
  for (int i = 0; i < 5; ++i) {
    items.push_back({.key = "k" + std::to_string(i),
                     .value = "v" + std::to_string(i),
                     .content_type = "text/plain",
                     .ttl_seconds = i == 4 ? std::optional<int64_t>(1) : std::nullopt});
  }
  auto infos = store().MultiPut("ns", items);
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  ASSERT_EQ(infos->size(), 5u);
  EXPECT_EQ((*infos)[0].expires_ms, clock_.NowMillis() + 3600'000) << "global default";
  clock_.Advance(seconds(1));
  auto got = store().MultiGet("ns", {"k0", "missing", "k3", "k4"});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0]->value, "v0");
  EXPECT_EQ((*got)[0]->info.version, (*infos)[0].version);
  EXPECT_FALSE((*got)[1].has_value());
  EXPECT_EQ((*got)[2]->value, "v3");
  EXPECT_FALSE((*got)[3].has_value()) << "expired";
  auto none = store().MultiGet("nons", {"a", "b"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size(), 2u);
  EXPECT_FALSE((*none)[0].has_value());
  EXPECT_EQ(store().MultiGet("ns", {"ok", ""}).code(), Code::kInvalidArgument);
}

TEST_F(OpsTest, FailedMultiPutWritesNothing) {
  std::vector<PutItem> items = {{.key = "a", .value = "1", .content_type = "", .ttl_seconds = 0},
                                {.key = "b",
                                 .value = std::string(options_.max_value_bytes + 1, 'x'),
                                 .content_type = "",
                                 .ttl_seconds = 0}};
  auto r = store().MultiPut("ns", items);
  EXPECT_EQ(r.code(), Code::kTooLarge);
  EXPECT_NE(r.status().message().find("item 1"), std::string::npos) << r.status().message();
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
  items[1] = {.key = "", .value = "x", .content_type = "", .ttl_seconds = 0};
  EXPECT_EQ(store().MultiPut("ns", items).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
}

TEST_F(OpsTest, DeleteManyCountsLiveEntriesOnce) {
  ASSERT_TRUE(store().Put("ns", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "b", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "c", "1", "", 1).ok());
  clock_.Advance(seconds(1));
  auto n = store().DeleteMany("ns", {"a", "b", "b", "c", "d"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("ns", "b").code(), Code::kNotFound);
  EXPECT_EQ(*store().DeleteMany("nons", {"a"}), 0u);
}

TEST_F(OpsTest, DeleteManyBlindDeletesEveryKeyPresentOrNot) {
  ASSERT_TRUE(store().Put("ns", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "b", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "c", "1", "", 0).ok());
  ASSERT_TRUE(store().DeleteManyBlind("ns", {"a", "b", "b", "d"}).ok());
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("ns", "b").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("ns", "d").code(), Code::kNotFound);
  EXPECT_TRUE(store().Get("ns", "c").ok());
  EXPECT_TRUE(store().DeleteManyBlind("nons", {"a"}).ok());
  EXPECT_TRUE(store().DeleteManyBlind("ns", {}).ok());
  EXPECT_EQ(store().DeleteManyBlind("ns", {"c", ""}).code(), Code::kInvalidArgument);
  EXPECT_TRUE(store().Get("ns", "c").ok()) << "an invalid key fails the whole batch";
  // A later write of a deleted key is there as any other.
  ASSERT_TRUE(store().Put("ns", "a", "2", "", 0).ok());
  EXPECT_EQ(store().Get("ns", "a")->value, "2");
}

TEST_F(OpsTest, DeletePrefixDeletesOnlyThatPrefix) {
  for (const char* k : {"ruc:1", "ruc:2", "ruc:3", "rud:1", "ru", "dni:1"}) {
    ASSERT_TRUE(store().Put("ns", k, "v", "", 0).ok());
  }
  ASSERT_TRUE(store().Put("ns", "ruc:4", "v", "", 1).ok());
  ASSERT_TRUE(store().Put("ns", "\xff\xff", "v", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "\xff\xff\x01", "v", "", 0).ok());
  clock_.Advance(seconds(1));
  auto n = store().DeletePrefix("ns", "ruc:");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3u) << "the expired ruc:4 is not counted";
  EXPECT_EQ(store().Get("ns", "ruc:1").code(), Code::kNotFound);
  EXPECT_TRUE(store().Get("ns", "rud:1").ok());
  EXPECT_TRUE(store().Get("ns", "ru").ok());
  EXPECT_EQ(*store().DeletePrefix("ns", "\xff\xff"), 2u);
  EXPECT_TRUE(store().Get("ns", "dni:1").ok());
  EXPECT_EQ(store().DeletePrefix("ns", "").code(), Code::kInvalidArgument);
  EXPECT_EQ(*store().DeletePrefix("nons", "x"), 0u);
}

TEST_F(OpsTest, ScanPagesThroughLiveEntriesInOrder) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store().Put("ns", "p:" + std::to_string(i), std::to_string(i), "", 0).ok());
  }
  ASSERT_TRUE(store().Put("ns", "p:5", "5", "", 1).ok());
  ASSERT_TRUE(store().Put("ns", "q:0", "x", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", "a", "x", "", 0).ok());
  clock_.Advance(seconds(1));
  std::vector<std::string> keys;
  std::optional<std::string> after;
  int pages = 0;
  do {
    auto page = store().Scan("ns", "p:", after, 4);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& [k, e] : page->entries) keys.push_back(k);
    after = page->next_after;
    ++pages;
  } while (after && pages < 10);
  EXPECT_EQ(keys, (std::vector<std::string>{"p:0", "p:1", "p:2", "p:3", "p:4", "p:6", "p:7", "p:8",
                                            "p:9"}));
  EXPECT_EQ(pages, 3);
  auto all = store().Scan("ns", "", std::nullopt, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->entries.size(), 11u);
  EXPECT_EQ(all->entries.front().first, "a");
  EXPECT_FALSE(all->next_after.has_value());
  auto from = store().Scan("ns", "p:", std::string("a"), 2);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->entries.front().first, "p:0");
  EXPECT_EQ(store().Scan("ns", "", std::nullopt, 0).code(), Code::kInvalidArgument);
  EXPECT_TRUE(store().Scan("nons", "", std::nullopt, 5)->entries.empty());
}

TEST_F(OpsTest, ClearNamespaceRemovesEverythingButKeepsTheNamespace) {
  ASSERT_TRUE(store().Put("ns", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().Put("ns", std::string(options_.max_key_bytes, '\xff'), "1", "", 0).ok());
  ASSERT_TRUE(store().Put("other", "a", "1", "", 0).ok());
  ASSERT_TRUE(store().ClearNamespace("ns").ok());
  EXPECT_EQ(store().Get("ns", "a").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("ns", std::string(options_.max_key_bytes, '\xff')).code(), Code::kNotFound);
  EXPECT_TRUE(store().Get("other", "a").ok());
  EXPECT_TRUE(store().GetNamespace("ns").ok());
  ASSERT_TRUE(store().Put("ns", "a", "2", "", 0).ok());
  EXPECT_EQ(store().Get("ns", "a")->value, "2") << "writes after a clear are visible";
  EXPECT_TRUE(store().ClearNamespace("nons").ok());
}

TEST_F(OpsTest, CheckpointIsOpenable) {
  ASSERT_TRUE(store().Put("ns", "k", "v", "", 0).ok());
  const std::string copy = dir_.Sub("copy");
  ASSERT_TRUE(store().admin().Checkpoint(copy).ok());
  EXPECT_FALSE(store().admin().Checkpoint(copy).ok()) << "the directory must not exist yet";
  StoreOptions copy_options = options_;
  copy_options.data_dir = copy;
  auto opened = OpenStore(copy_options, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->Get("ns", "k")->value, "v");
}

}  // namespace
}  // namespace apicached::testing
