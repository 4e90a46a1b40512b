// Put, Add and CompareAndSet say what they replaced (WriteOutcome::replaced), and
// WriteAtomically applies puts and deletes as one batch.
#include <gtest/gtest.h>

#include "storage/known_entry.h"
#include "tests/storage/store_fixture.h"

namespace apicached::testing {
namespace {

using WriteOutcomeTest = StoreTest;

TEST_F(WriteOutcomeTest, PutReportsCreatedThenReplaced) {
  auto first = store().Put("ns", "k", "v1", "", std::nullopt, 0, /*report_replaced=*/true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->replaced.has_value()) << "nothing was there";
  auto second = store().Put("ns", "k", "v2", "", std::nullopt, 0, true);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->replaced.has_value());
  EXPECT_EQ(second->replaced->version, first->version);
  EXPECT_GT(second->version, first->version);
}

// What a wrapping store vouches for (known_entry.h) answers a Put's report instead of a read, for
// the key the scope names only; with no answer from it the store reads the key.
TEST_F(WriteOutcomeTest, PutTakesTheKnownEntryOfItsKeyInsteadOfReading) {
  struct Fixed final : KnownEntrySource {
    std::optional<EntryInfo> info;
    mutable int64_t asked_at = -1;
    std::optional<EntryInfo> Known(int64_t now_ms) const override {
      asked_at = now_ms;
      return info;
    }
  };
  auto first = store().Put("ns", "k", "v1", "", std::nullopt);
  ASSERT_TRUE(first.ok());
  Fixed vouched;
  vouched.info = EntryInfo{.version = 4242};
  {
    const KnownEntryScope scope("ns", "k", vouched);
    auto put = store().Put("ns", "k", "v2", "", std::nullopt, 0, /*report_replaced=*/true);
    ASSERT_TRUE(put.ok());
    ASSERT_TRUE(put->replaced.has_value());
    EXPECT_EQ(put->replaced->version, 4242u) << "the store read the key instead";
    EXPECT_EQ(vouched.asked_at, clock_.NowMillis());
    // Another key, or no report wanted: the scope is not asked.
    vouched.asked_at = -1;
    auto other = store().Put("ns", "k2", "v", "", std::nullopt, 0, true);
    ASSERT_TRUE(other.ok());
    EXPECT_FALSE(other->replaced.has_value());
    auto quiet = store().Put("ns", "k", "v3", "", std::nullopt);
    ASSERT_TRUE(quiet.ok());
    EXPECT_FALSE(quiet->replaced.has_value());
    EXPECT_EQ(store().Add("ns", "k", "v4", "", std::nullopt).code(), Code::kAlreadyExists);
    EXPECT_EQ(vouched.asked_at, -1);
    // No answer: the store reads.
    vouched.info.reset();
    auto read = store().Put("ns", "k", "v5", "", std::nullopt, 0, true);
    ASSERT_TRUE(read.ok());
    ASSERT_TRUE(read->replaced.has_value());
    EXPECT_EQ(read->replaced->version, quiet->version);
  }
  auto after = store().Put("ns", "k", "v6", "", std::nullopt, 0, true);  // the scope has ended
  ASSERT_TRUE(after.ok());
  ASSERT_TRUE(after->replaced.has_value());
  EXPECT_NE(after->replaced->version, 4242u);
}

// A scope over every key (the RAM tier's for a batch) answers WriteAtomically's "existed" and its
// expected_version check per key instead of a read; a key it does not know is read.
TEST_F(WriteOutcomeTest, WriteAtomicallyTakesTheKnownEntriesInsteadOfReading) {
  struct Fixed final : KnownEntriesSource {
    mutable std::vector<std::string> asked;
    std::optional<EntryInfo> Known(std::string_view ns, std::string_view key,
                                   int64_t now_ms) const override {
      asked.push_back(std::string(ns) + "/" + std::string(key) + "@" + std::to_string(now_ms));
      if (key == "vouched") return EntryInfo{.version = 4242};
      return std::nullopt;
    }
  };
  ASSERT_TRUE(store().Put("ns", "stored", "v", "", std::nullopt).ok());
  auto put = [](std::string key, std::optional<uint64_t> expected = std::nullopt) {
    BatchWrite w;
    w.ns = "ns";
    w.key = std::move(key);
    w.value = "x";
    w.expected_version = expected;
    return w;
  };
  Fixed known;
  {
    const KnownEntryScope scope(known);
    // "vouched" is not stored: only the scope's answer makes it exist, at version 4242.
    auto r = store().WriteAtomically({put("vouched", 4242), put("stored"), put("new")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE((*r)[0].existed) << "the store read the key instead";
    EXPECT_TRUE((*r)[1].existed);
    EXPECT_FALSE((*r)[2].existed);
    const std::string at = "@" + std::to_string(clock_.NowMillis());
    EXPECT_EQ(known.asked,
              (std::vector<std::string>{"ns/vouched" + at, "ns/stored" + at, "ns/new" + at}));
  }
  auto after = store().WriteAtomically({put("vouched", 4242)});  // the scope has ended
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.code(), Code::kPreconditionFailed);
}

TEST_F(WriteOutcomeTest, PutWithoutReportSaysNothingReplaced) {
  ASSERT_TRUE(store().Put("ns", "k", "v1", "", std::nullopt).ok());
  auto second = store().Put("ns", "k", "v2", "", std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->replaced.has_value());
}

TEST_F(WriteOutcomeTest, PutOverAnExpiredEntryCreates) {
  ASSERT_TRUE(store().Put("ns", "k", "v1", "", 1).ok());
  clock_.Advance(std::chrono::seconds(1));
  auto again = store().Put("ns", "k", "v2", "", 1, 0, true);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->replaced.has_value()) << "an expired entry is no live entry";
}

TEST_F(WriteOutcomeTest, PutReportsReplacedWhenOnlyTheFilesKnowTheEntry) {
  auto first = store().Put("ns", "k", "v1", "", std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store().Put("ns", "other", "x", "", std::nullopt).ok());
  Reopen();  // flushed to a table file; the memtable and block cache are empty now
  auto second = store().Put("ns", "k", "v2", "", std::nullopt, 0, true);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->replaced.has_value()) << "the cache-only read must fall back to the file";
  EXPECT_EQ(second->replaced->version, first->version);
  auto fresh = store().Put("ns", "new", "v", "", std::nullopt, 0, true);
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->replaced.has_value());
}

TEST_F(WriteOutcomeTest, AddCreatesAndCompareAndSetReplaces) {
  auto added = store().Add("ns", "k", "v1", "", std::nullopt);
  ASSERT_TRUE(added.ok());
  EXPECT_FALSE(added->replaced.has_value());
  auto swapped = store().CompareAndSet("ns", "k", added->version, "v2", "", std::nullopt);
  ASSERT_TRUE(swapped.ok());
  ASSERT_TRUE(swapped->replaced.has_value());
  EXPECT_EQ(swapped->replaced->version, added->version);
}

TEST_F(WriteOutcomeTest, NegativeTtlIsRefusedBeforeAnyNamespaceIsCreated) {
  auto put = store().Put("fresh", "k", "v", "", -1);
  EXPECT_EQ(put.code(), Code::kInvalidArgument);
  EXPECT_EQ(store().GetNamespace("fresh").code(), Code::kNotFound);
}

BatchWrite PutOf(std::string ns, std::string key, std::string value) {
  BatchWrite w;
  w.ns = std::move(ns);
  w.key = std::move(key);
  w.value = std::move(value);
  return w;
}

BatchWrite DeleteOf(std::string ns, std::string key) {
  BatchWrite w;
  w.kind = BatchWrite::Kind::kDelete;
  w.ns = std::move(ns);
  w.key = std::move(key);
  return w;
}

TEST_F(WriteOutcomeTest, WriteAtomicallyAppliesPutsAndDeletesAcrossNamespaces) {
  ASSERT_TRUE(store().Put("a", "gone", "x", "", std::nullopt).ok());
  auto r = store().WriteAtomically(
      {PutOf("a", "k1", "v1"), PutOf("b", "k2", "v2"), DeleteOf("a", "gone")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].existed);
  EXPECT_GT((*r)[0].info.version, 0u);
  EXPECT_TRUE((*r)[2].existed);
  Reopen();  // one WAL record, replayed whole
  EXPECT_EQ(store().Get("a", "k1")->value, "v1");
  EXPECT_EQ(store().Get("b", "k2")->value, "v2");
  EXPECT_EQ(store().Get("a", "gone").code(), Code::kNotFound);
}

TEST_F(WriteOutcomeTest, WriteAtomicallyCountsTheBatchsEarlierWrites) {
  auto r = store().WriteAtomically(
      {PutOf("a", "k", "v1"), PutOf("a", "k", "v2"), DeleteOf("a", "k"), DeleteOf("a", "k")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE((*r)[0].existed);
  EXPECT_TRUE((*r)[1].existed);
  EXPECT_TRUE((*r)[2].existed);
  EXPECT_FALSE((*r)[3].existed);
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound) << "the last write wins";
}

TEST_F(WriteOutcomeTest, WriteAtomicallyWithOneBadWriteWritesNothing) {
  BatchWrite bad = PutOf("a", "", "v");  // empty key
  auto r = store().WriteAtomically({PutOf("a", "k", "v"), bad});
  ASSERT_EQ(r.code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("write 1:"), std::string::npos) << r.status().message();
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound);
  EXPECT_EQ(store().GetNamespace("a").code(), Code::kNotFound) << "nor created a namespace";
}

TEST_F(WriteOutcomeTest, WriteAtomicallyKeepsExactDeadlines) {
  BatchWrite w = PutOf("a", "k", "v");
  w.expires_at_ms = clock_.NowMillis() + 1500;
  auto r = store().WriteAtomically({w});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].info.expires_ms, clock_.NowMillis() + 1500);
  clock_.Advance(std::chrono::milliseconds(1499));
  EXPECT_TRUE(store().Get("a", "k").ok());
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(store().Get("a", "k").code(), Code::kNotFound);
}

TEST_F(WriteOutcomeTest, WriteAtomicallyChecksExpectedVersionsAndWritesNothingOnAMismatch) {
  auto k = store().Put("a", "k", "v1", "", std::nullopt);
  ASSERT_TRUE(k.ok());
  BatchWrite put = PutOf("a", "k", "v2");
  put.expected_version = k->version;
  BatchWrite fresh = PutOf("a", "new", "n");
  fresh.expected_version = 0;  // no live entry
  auto r = store().WriteAtomically({fresh, put});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(store().Get("a", "k")->value, "v2");

  // Both keys moved since: a condition on either fails the batch; nothing is written.
  BatchWrite stale = PutOf("a", "k", "v3");
  stale.expected_version = k->version;
  BatchWrite other = PutOf("a", "other", "o");
  auto refused = store().WriteAtomically({other, stale});
  ASSERT_EQ(refused.code(), Code::kPreconditionFailed);
  EXPECT_NE(refused.status().message().find("write 1:"), std::string::npos);
  BatchWrite gone = DeleteOf("a", "new");
  gone.expected_version = 0;
  EXPECT_EQ(store().WriteAtomically({gone}).code(), Code::kPreconditionFailed);
  EXPECT_EQ(store().Get("a", "k")->value, "v2");
  EXPECT_EQ(store().Get("a", "other").code(), Code::kNotFound);
  EXPECT_EQ(store().Get("a", "new")->value, "n");
}

TEST_F(WriteOutcomeTest, WriteAtomicallyCountsAnEntryInItsGracePeriodAsNone) {
  auto r = store().Mutate("a", "k", [](const Entry*) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = "v";
    m.ttl_seconds = 10;
    m.grace_seconds = 60;
    return m;
  });
  ASSERT_TRUE(r.ok() && r->has_value());
  BatchWrite w = PutOf("a", "k", "new");
  w.expected_version = 0;
  EXPECT_EQ(store().WriteAtomically({w}).code(), Code::kPreconditionFailed) << "still fresh";
  clock_.Advance(std::chrono::seconds(10));  // past its TTL: stale readers only
  EXPECT_TRUE(store().WriteAtomically({w}).ok());
  EXPECT_EQ(store().Get("a", "k")->value, "new");
}

}  // namespace
}  // namespace apicached::testing
