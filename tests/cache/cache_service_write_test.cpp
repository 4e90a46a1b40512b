// Writes through the cache layer with memcached's outcomes: set/add/replace/append/prepend/cas/
// delete, flags kept or replaced, "expires immediately" writes, and what each counts.
#include <gtest/gtest.h>

#include "tests/cache/cache_fixture.h"

namespace apicached::testing {
namespace {

using cache::Expiry;
using cache::WriteMode;
using cache::WriteRequest;

using CacheWriteTest = CacheServiceTest;

TEST_F(CacheWriteTest, AddOnlyWhenAbsentReplaceOnlyWhenPresent) {
  EXPECT_EQ(cache().Replace(kMc, "s", "k", "r", 0, Expiry::Never()).code(), Code::kNotFound);
  auto added = cache().Add(kMc, "s", "k", "a", 1, Expiry::Never());
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(added->created);
  EXPECT_EQ(cache().Add(kMc, "s", "k", "b", 2, Expiry::Never()).code(), Code::kAlreadyExists);
  auto replaced = cache().Replace(kMc, "s", "k", "r", 5, Expiry::Never());
  ASSERT_TRUE(replaced.ok());
  EXPECT_FALSE(replaced->created);
  EXPECT_NE(replaced->meta.version, added->meta.version);
  auto item = cache().Get(kMc, "s", "k");
  EXPECT_EQ(item->value, "r");
  EXPECT_EQ(item->meta.flags, 5u);
  // An expired entry is absent for add and replace alike.
  ASSERT_TRUE(cache().Set(kMc, "s", "e", "x", 0, Expiry::After(1)).ok());
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(cache().Replace(kMc, "s", "e", "y", 0, Expiry::Never()).code(), Code::kNotFound);
  EXPECT_TRUE(cache().Add(kMc, "s", "e", "y", 0, Expiry::Never()).ok());
}

TEST_F(CacheWriteTest, AppendPrependKeepFlagsAndExpiry) {
  EXPECT_EQ(cache().Append(kMc, "s", "k", "x").code(), Code::kNotFound);
  EXPECT_EQ(cache().Prepend(kMc, "s", "k", "x").code(), Code::kNotFound);
  auto set = cache().Set(kMc, "s", "k", "mid", 9, Expiry::After(30));
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(cache().Append(kMc, "s", "k", ">>").ok());
  auto r = cache().Prepend(kMc, "s", "k", "<<");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->meta.size, 7u);
  EXPECT_NE(r->meta.version, set->meta.version) << "a new CAS unique";
  auto item = cache().Get(kMc, "s", "k");
  EXPECT_EQ(item->value, "<<mid>>");
  EXPECT_EQ(item->meta.flags, 9u);
  EXPECT_EQ(item->meta.expires_ms, set->meta.expires_ms);
}

TEST_F(CacheWriteTest, AppendWithVivifyCreatesAMissingKey) {
  WriteRequest req;
  req.mode = WriteMode::kAppend;
  req.data = "first";
  req.flags = 4;
  req.expiry = Expiry::After(10);
  req.vivify = true;
  auto r = cache().Write(kMc, "s", "k", req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->created);
  auto item = cache().Get(kMc, "s", "k");
  EXPECT_EQ(item->value, "first");
  EXPECT_EQ(item->meta.flags, 4u);
  EXPECT_EQ(item->meta.expires_ms, now() + 10'000);
}

TEST_F(CacheWriteTest, CompareAndSetByVersion) {
  auto set = cache().Set(kMc, "s", "k", "v1", 0, Expiry::Never());
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(
      cache().CompareAndSet(kMc, "s", "k", set->meta.version + 1, "v2", 0, Expiry::Never()).code(),
      Code::kPreconditionFailed);
  EXPECT_EQ(cache().CompareAndSet(kMc, "s", "none", 1, "v2", 0, Expiry::Never()).code(),
            Code::kNotFound);
  auto cas = cache().CompareAndSet(kMc, "s", "k", set->meta.version, "v2", 7, Expiry::Never());
  ASSERT_TRUE(cas.ok());
  EXPECT_EQ(cache().Get(kMc, "s", "k")->meta.flags, 7u);
  EXPECT_EQ(
      cache().CompareAndSet(kMc, "s", "k", set->meta.version, "v3", 0, Expiry::Never()).code(),
      Code::kPreconditionFailed)
      << "the version moved on";
  const cache::OpCounters c = cache().Counters(kMc);
  EXPECT_EQ(c.cas_hits, 1u);
  EXPECT_EQ(c.cas_badval, 2u);
  EXPECT_EQ(c.cas_misses, 1u);
}

TEST_F(CacheWriteTest, DeleteWithAndWithoutVersion) {
  auto set = cache().Set(kMc, "s", "k", "v", 0, Expiry::Never());
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(cache().Delete(kMc, "s", "k", set->meta.version + 1).code(), Code::kPreconditionFailed);
  EXPECT_TRUE(cache().Delete(kMc, "s", "k", set->meta.version).ok());
  EXPECT_EQ(cache().Delete(kMc, "s", "k").code(), Code::kNotFound);
  ASSERT_TRUE(cache().Set(kMc, "s", "k", "v", 0, Expiry::Never()).ok());
  EXPECT_TRUE(cache().Delete(kMc, "s", "k").ok());
  EXPECT_EQ(cache().Counters(kMc).delete_hits, 2u);
  EXPECT_EQ(cache().Counters(kMc).delete_misses, 1u);
}

TEST_F(CacheWriteTest, ExpiredWritesAnswerAsUsualAndLeaveNothing) {
  ASSERT_TRUE(cache().Set(kMc, "s", "k", "old", 0, Expiry::Never()).ok());
  auto r = cache().Set(kMc, "s", "k", "new", 1, Expiry::Expired());
  ASSERT_TRUE(r.ok()) << "memcached answers STORED";
  EXPECT_EQ(r->meta.expires_ms, now());
  EXPECT_EQ(cache().Get(kMc, "s", "k").code(), Code::kNotFound) << "and the old value is gone";
  EXPECT_TRUE(cache().Add(kMc, "s", "k", "v", 0, Expiry::Expired()).ok());
  EXPECT_EQ(cache().Get(kMc, "s", "k").code(), Code::kNotFound);
  ASSERT_TRUE(cache().Set(kMc, "s", "k", "v", 0, Expiry::Never()).ok());
  EXPECT_EQ(cache().Add(kMc, "s", "k", "v", 0, Expiry::Expired()).code(), Code::kAlreadyExists);
  EXPECT_TRUE(cache().Get(kMc, "s", "k").ok()) << "a refused add changes nothing";
}

TEST_F(CacheWriteTest, SetReportsCreatedOnlyWhenAsked) {
  WriteRequest req;
  req.data = "v";
  req.content_type = "text/plain";
  req.report_created = true;
  auto first = cache().Write(kHttp, "s", "k", req);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto second = cache().Write(kHttp, "s", "k", req);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(cache().Get(kHttp, "s", "k")->content_type, "text/plain");
  EXPECT_EQ(cache().Counters(kHttp).total_items, 2u);
  EXPECT_EQ(cache().Counters(kMc).total_items, 0u) << "counted under the caller's protocol";
}

TEST_F(CacheWriteTest, TooLargeValuesAreRefused) {
  const std::string big(options_.max_value_bytes + 1, 'x');
  EXPECT_EQ(cache().Set(kMc, "s", "k", big, 0, Expiry::Never()).code(), Code::kTooLarge);
  ASSERT_TRUE(
      cache()
          .Set(kMc, "s", "k", std::string(options_.max_value_bytes, 'x'), 0, Expiry::Never())
          .ok());
  EXPECT_EQ(cache().Append(kMc, "s", "k", "y").code(), Code::kTooLarge);
}

TEST_F(CacheWriteTest, ClearEmptiesOneNamespace) {
  ASSERT_TRUE(cache().Set(kMc, "a", "k", "v", 0, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Set(kMc, "b", "k", "v", 0, Expiry::Never()).ok());
  ASSERT_TRUE(cache().Clear(kMc, "a").ok());
  EXPECT_EQ(cache().Get(kMc, "a", "k").code(), Code::kNotFound);
  EXPECT_TRUE(cache().Get(kMc, "b", "k").ok());
  EXPECT_EQ(cache().Counters(kMc).cmd_flush, 1u);
}

TEST_F(CacheWriteTest, SetOverAnEntryInItsGracePeriodReportsCreated) {
  WriteRequest stale;
  stale.data = "old";
  stale.expiry = Expiry::After(10);
  stale.grace_seconds = 30;
  ASSERT_TRUE(cache().Write(kHttp, "s", "k", stale).ok());
  clock_.Advance(std::chrono::seconds(11));  // past the TTL, in the grace period
  WriteRequest req;
  req.data = "new";
  req.report_created = true;
  auto r = cache().Write(kHttp, "s", "k", req);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->created) << "an entry past its TTL is no live entry for a writer";
  r = cache().Write(kHttp, "s", "k", req);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->created);
}

cache::AtomicWrite AtomicPut(std::string key, std::string data, Expiry expiry) {
  cache::AtomicWrite w;
  w.ns = "s";
  w.key = std::move(key);
  w.data = std::move(data);
  w.expiry = expiry;
  return w;
}

TEST_F(CacheWriteTest, WriteAtomicallyAppliesEveryWriteAndCountsThem) {
  ASSERT_TRUE(cache().Set(kMc, "s", "old", "x", 0, Expiry::Never()).ok());
  cache::AtomicWrite del;
  del.remove = true;
  del.ns = "s";
  del.key = "old";
  auto r = cache().WriteAtomically(
      kMc, {AtomicPut("a", "1", Expiry::Never()), del, AtomicPut("b", "2", Expiry::Expired())});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].existed);
  EXPECT_EQ((*r)[0].meta.size, 1u);
  EXPECT_TRUE((*r)[1].existed);
  EXPECT_EQ(cache().Get(kMc, "s", "a")->value, "1");
  EXPECT_EQ(cache().Get(kMc, "s", "old").code(), Code::kNotFound);
  EXPECT_EQ(cache().Get(kMc, "s", "b").code(), Code::kNotFound) << "Expired(): nothing readable";
  EXPECT_EQ(cache().Counters(kMc).delete_hits, 1u);
}

TEST_F(CacheWriteTest, WriteAtomicallyRefusesAnInternalNamespaceAndWritesNothing) {
  cache::AtomicWrite internal = AtomicPut("k", "v", Expiry::Never());
  internal.ns = ".hotset";
  auto r = cache().WriteAtomically(kMc, {AtomicPut("a", "1", Expiry::Never()), internal});
  EXPECT_EQ(r.code(), Code::kInvalidArgument);
  EXPECT_EQ(cache().Get(kMc, "s", "a").code(), Code::kNotFound);
}

}  // namespace
}  // namespace apicached::testing
