#include "hotcache/tiered_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_store.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

using std::chrono::seconds;

// One put of an atomic batch.
BatchWrite PutOf(std::string ns, std::string key, std::string value,
                 std::optional<int64_t> ttl_seconds = 0, std::string content_type = "") {
  BatchWrite w;
  w.ns = std::move(ns);
  w.key = std::move(key);
  w.value = std::move(value);
  w.content_type = std::move(content_type);
  w.ttl_seconds = ttl_seconds;
  return w;
}

class TieredStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(HotCacheOptions{}); }

  void Open(HotCacheOptions hot) {
    hot.hot_set_period_seconds = 0;
    StoreOptions o;
    o.data_dir = dir_.Sub("db");
    o.maintenance_period_seconds = 0;
    o.ttl.default_ttl_seconds = 0;
    auto inner = OpenStore(o, clock_);
    ASSERT_TRUE(inner.ok()) << inner.status().ToString();
    store_ = std::make_unique<TieredStore>(std::move(*inner), hot);
  }

  uint64_t Hits() const { return store_->hot_figures().hits; }

  // The tiered answer equals the inner store's, field by field.
  void ExpectSameAsInner(std::string_view ns, std::string_view key) {
    SCOPED_TRACE(std::string(ns) + "/" + std::string(key));
    Result<Entry> inner = store_->inner().Get(ns, key);
    Result<Entry> tiered = store_->Get(ns, key);
    ASSERT_EQ(tiered.code(), inner.code()) << tiered.status().ToString();
    if (!inner.ok()) return;
    EXPECT_EQ(tiered->value, inner->value);
    EXPECT_EQ(tiered->content_type, inner->content_type);
    EXPECT_EQ(tiered->info.version, inner->info.version);
    EXPECT_EQ(tiered->info.expires_ms, inner->info.expires_ms);
    EXPECT_EQ(tiered->info.created_ms, inner->info.created_ms);
    // And again, now certainly from RAM when it was admitted, copied and shared.
    Result<Entry> again = store_->Get(ns, key);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->value, inner->value);
    EXPECT_EQ(again->info.version, inner->info.version);
    Result<SharedEntry> shared = store_->GetShared(ns, key);
    ASSERT_TRUE(shared.ok());
    EXPECT_EQ(shared->value, inner->value);
    EXPECT_EQ(shared->content_type, inner->content_type);
    EXPECT_EQ(shared->info.version, inner->info.version);
    EXPECT_EQ(shared->info.expires_ms, inner->info.expires_ms);
  }

  // Primes the cache with the key's current value (when it has one).
  void Prime(std::string_view ns, std::string_view key) { (void)store_->Get(ns, key); }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<TieredStore> store_;
};

TEST_F(TieredStoreTest, ReadThroughThenHit) {
  // Written around the tier (a Put through it is cached: WritesAreCachedAndAnswerWhatTheyReplaced).
  ASSERT_TRUE(
      store_->inner().Put("ruc", "20123456789", "{\"name\":\"x\"}", "application/json", 0).ok());
  const uint64_t hits = Hits();
  auto first = store_->Get("ruc", "20123456789");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Hits(), hits);
  auto second = store_->Get("ruc", "20123456789");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Hits(), hits + 1);
  EXPECT_EQ(second->value, "{\"name\":\"x\"}");
  EXPECT_EQ(second->content_type, "application/json");
  EXPECT_EQ(second->info.version, first->info.version);
  EXPECT_EQ(store_->Get("ruc", "missing").code(), Code::kNotFound);
  EXPECT_EQ(store_->hot_figures().entries, 1u);
}

// A Put is cached as it is written (the next read is a RAM hit), and the cached entry answers
// what the next Put replaced, as the store would.
TEST_F(TieredStoreTest, WritesAreCachedAndAnswerWhatTheyReplaced) {
  auto first = store_->Put("ns", "k", "v1", "text/plain", 0, 7, /*report_replaced=*/true);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replaced.has_value());
  uint64_t hits = Hits();
  ExpectSameAsInner("ns", "k");
  EXPECT_GE(Hits(), hits + 1) << "the read after the write went to the store";
  auto entry = store_->Get("ns", "k");
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->info.flags, 7u);

  auto second = store_->Put("ns", "k", "v2", "", 100, 0, /*report_replaced=*/true);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->replaced.has_value());
  EXPECT_EQ(second->replaced->version, first->version);
  EXPECT_EQ(second->replaced->flags, 7u);
  ExpectSameAsInner("ns", "k");

  // Expired in RAM and in the store alike: the next Put creates.
  clock_.Advance(seconds(100));
  auto third = store_->Put("ns", "k", "v3", "", 0, 0, /*report_replaced=*/true);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->replaced.has_value());
  ExpectSameAsInner("ns", "k");
  // A write that fails leaves nothing in RAM.
  hits = Hits();
  EXPECT_FALSE(store_->Put("ns", "big", std::string(2 << 20, 'x'), "", 0).ok());
  EXPECT_EQ(store_->Get("ns", "big").code(), Code::kNotFound);
}

// A MultiPut is cached as it is written too, each key's last entry of the batch; an entry too
// large for RAM, or written when another write of its stripe runs, is not.
// A batch keeps RAM exact: a key RAM held is cached as the batch wrote it (its last entry of
// the batch), so the next read is still a hit; a key RAM did not hold stays out (the batch
// brings no new keys in; its first read fills it).
TEST_F(TieredStoreTest, MultiPutUpdatesCachedKeysAndBringsNoNewOnes) {
  ASSERT_TRUE(store_->Put("ns", "a", "0", "", 0).ok());
  ASSERT_TRUE(store_->Put("ns", "b", "0", "", 0).ok());
  ASSERT_EQ(store_->hot_figures().entries, 2u);
  auto infos = store_->MultiPut(
      "ns", {{.key = "a", .value = "1", .content_type = "text/plain", .ttl_seconds = 0},
             {.key = "b", .value = "2", .content_type = "", .ttl_seconds = 100},
             {.key = "c", .value = "x", .content_type = "", .ttl_seconds = 0},
             {.key = "a", .value = "3", .content_type = "", .ttl_seconds = 0}});
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  EXPECT_EQ(store_->hot_figures().entries, 2u) << "only a and b, as written";
  const uint64_t hits = Hits();
  auto a = store_->Get("ns", "a");
  auto b = store_->Get("ns", "b");
  EXPECT_EQ(Hits(), hits + 2) << "the reads after the batch went to the store";
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->value, "3");
  EXPECT_EQ(a->info.version, (*infos)[3].version);
  EXPECT_EQ(b->info.expires_ms, (*infos)[1].expires_ms);
  // c was not in RAM: its read goes to the store, and fills it.
  auto c = store_->Get("ns", "c");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->value, "x");
  EXPECT_EQ(Hits(), hits + 2) << "c was brought into RAM by the batch";
  EXPECT_EQ(store_->hot_figures().entries, 3u);
  ExpectSameAsInner("ns", "a");
  ExpectSameAsInner("ns", "b");
  ExpectSameAsInner("ns", "c");
  // Over again: the cached entries are replaced, not kept.
  ASSERT_TRUE(
      store_
          ->MultiPut("ns", {{.key = "b", .value = "4", .content_type = "", .ttl_seconds = 0},
                            {.key = "c", .value = "5", .content_type = "", .ttl_seconds = 0}})
          .ok());
  const uint64_t hits2 = Hits();
  EXPECT_EQ(store_->Get("ns", "b")->value, "4");
  EXPECT_EQ(store_->Get("ns", "c")->value, "5");
  EXPECT_EQ(Hits(), hits2 + 2);
  ExpectSameAsInner("ns", "b");
  ExpectSameAsInner("ns", "c");
}

// An atomic batch writes through as Put does: each key's last put is cached as written, and an
// entry RAM holds answers what the key's first write replaced without a store read.
TEST_F(TieredStoreTest, WriteAtomicallyIsCachedAndAnswersWhatItReplacedFromRam) {
  ASSERT_TRUE(store_->Put("ns", "held", "0", "", 0, 5).ok());
  ASSERT_TRUE(store_->Put("ns", "gone", "0", "", 0).ok());
  // Deleted around the tier: RAM still holds it, so an answer from RAM says it existed where a
  // store read would not (which tells the two apart; the daemon never writes around the tier).
  ASSERT_TRUE(store_->inner().Delete("ns", "held").ok());
  BatchWrite gone;
  gone.kind = BatchWrite::Kind::kDelete;
  gone.ns = "ns";
  gone.key = "gone";
  const std::vector<BatchWrite> writes = {PutOf("ns", "held", "1"),
                                          PutOf("ns", "fresh", "2", 100, "text/plain"), gone,
                                          PutOf("ns", "held", "3")};
  auto r = store_->WriteAtomically(writes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE((*r)[0].existed) << "the store read the key instead of taking RAM's entry";
  EXPECT_FALSE((*r)[1].existed);
  EXPECT_TRUE((*r)[2].existed);
  EXPECT_TRUE((*r)[3].existed);
  EXPECT_EQ(store_->hot_figures().entries, 2u) << "held and fresh, as written";
  const uint64_t hits = Hits();
  auto held = store_->Get("ns", "held");
  auto fresh = store_->Get("ns", "fresh");
  EXPECT_EQ(Hits(), hits + 2) << "the reads after the batch went to the store";
  ASSERT_TRUE(held.ok() && fresh.ok());
  EXPECT_EQ(held->value, "3");
  EXPECT_EQ(held->info.version, (*r)[3].info.version);
  EXPECT_EQ(fresh->info.expires_ms, (*r)[1].info.expires_ms);
  EXPECT_EQ(store_->Get("ns", "gone").code(), Code::kNotFound);
  ExpectSameAsInner("ns", "held");
  ExpectSameAsInner("ns", "fresh");
  ExpectSameAsInner("ns", "gone");
  // Expired in RAM and in the store alike: the next batch creates.
  clock_.Advance(seconds(100));
  auto again = store_->WriteAtomically({PutOf("ns", "fresh", "4")});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)[0].existed);
  ExpectSameAsInner("ns", "fresh");
  // A batch that fails leaves nothing in RAM.
  EXPECT_FALSE(store_
                   ->WriteAtomically(
                       {PutOf("ns", "fresh", "5"), PutOf("ns", "big", std::string(2 << 20, 'x'))})
                   .ok());
  EXPECT_EQ(store_->Get("ns", "big").code(), Code::kNotFound);
  EXPECT_EQ(store_->Get("ns", "fresh")->value, "4");
}

// Another write of the key between the start of a Put and its store write (here a delete, by
// the same thread from the inner store's hook) voids what RAM knew: the store reads the key and
// the Put reports a creation, and the written entry is not cached (read from the store).
class TieredStoreInterleaveTest : public ::testing::Test {
 protected:
  struct Owning : testing::FaultStore {
    explicit Owning(std::unique_ptr<Store> s) : FaultStore(*s), real(std::move(s)) {}
    std::unique_ptr<Store> real;
  };

  void SetUp() override {
    StoreOptions o;
    o.data_dir = dir_.Sub("db");
    o.maintenance_period_seconds = 0;
    auto real = OpenStore(o, clock_);
    ASSERT_TRUE(real.ok());
    auto owning = std::make_unique<Owning>(std::move(*real));
    fault_ = owning.get();
    HotCacheOptions hot;
    hot.hot_set_period_seconds = 0;
    store_ = std::make_unique<TieredStore>(std::move(owning), hot);
    ASSERT_TRUE(store_->Put("ns", "k", "old", "", 0).ok());
    ASSERT_TRUE(store_->Get("ns", "k").ok());  // cached
  }

  // Deletes k through the tier: another write of the key, from inside the store call.
  void DeleteK() {
    auto deleted = store_->Delete("ns", "k");
    ASSERT_TRUE(deleted.ok());
    EXPECT_TRUE(*deleted);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  Owning* fault_ = nullptr;
  std::unique_ptr<TieredStore> store_;
};

TEST_F(TieredStoreInterleaveTest, AWriteBetweenBeginAndStoreWriteVoidsWhatRamKnew) {
  fault_->before_put = [&] {
    fault_->before_put = nullptr;
    DeleteK();
  };
  auto put = store_->Put("ns", "k", "new", "", 0, 0, /*report_replaced=*/true);
  ASSERT_TRUE(put.ok());
  EXPECT_FALSE(put->replaced.has_value()) << "answered from RAM after the key was deleted";
  const uint64_t hits = store_->hot_figures().hits;
  auto got = store_->Get("ns", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "new");
  EXPECT_EQ(store_->hot_figures().hits, hits) << "cached although another write interleaved";
}

// The same for an atomic batch: RAM knew k as the batch began, a delete of k came before the
// batch's store write; the batch reads k (gone) instead, and caches nothing of k.
TEST_F(TieredStoreInterleaveTest, AWriteBetweenBatchBeginAndStoreWriteVoidsWhatRamKnew) {
  fault_->before_batch = [&] {
    fault_->before_batch = nullptr;
    DeleteK();
    return Status::Ok();
  };
  auto r = store_->WriteAtomically({PutOf("ns", "k", "new"), PutOf("ns", "other", "x")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE((*r)[0].existed) << "answered from RAM after the key was deleted";
  const uint64_t hits = store_->hot_figures().hits;
  auto got = store_->Get("ns", "k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "new");
  EXPECT_EQ(store_->hot_figures().hits, hits) << "cached although another write interleaved";
}

TEST_F(TieredStoreTest, EveryMutationKeepsRamConsistent) {
  const std::string ns = "tax";
  ASSERT_TRUE(store_->Put(ns, "k", "1", "text/plain", 0).ok());

  Prime(ns, "k");
  ASSERT_TRUE(store_->Put(ns, "k", "2", "text/plain", 0).ok());
  ExpectSameAsInner(ns, "k");

  Prime(ns, "k");
  ASSERT_TRUE(store_->Incr(ns, "k", 5, 0).ok());
  ExpectSameAsInner(ns, "k");
  EXPECT_EQ(store_->Get(ns, "k")->value, "7");

  Prime(ns, "k");
  ASSERT_TRUE(store_->Touch(ns, "k", 100).ok());
  ExpectSameAsInner(ns, "k");

  Prime(ns, "k");
  const uint64_t version = store_->Get(ns, "k")->info.version;
  ASSERT_TRUE(store_->CompareAndSet(ns, "k", version, "cas", "", 0).ok());
  ExpectSameAsInner(ns, "k");

  Prime(ns, "k");
  auto mutated = store_->Mutate(ns, "k", [](const Entry* current) -> Result<Mutation> {
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = (current != nullptr ? current->value : "") + "+";
    m.ttl_seconds = 0;
    return m;
  });
  ASSERT_TRUE(mutated.ok());
  ExpectSameAsInner(ns, "k");
  EXPECT_EQ(store_->Get(ns, "k")->value, "cas+");

  Prime(ns, "k");
  ASSERT_TRUE(store_->Delete(ns, "k").ok());
  ExpectSameAsInner(ns, "k");

  ASSERT_TRUE(store_->Add(ns, "k", "added", "", 0).ok());
  ExpectSameAsInner(ns, "k");

  Prime(ns, "k");
  ASSERT_TRUE(
      store_
          ->MultiPut(ns, {{.key = "k", .value = "m1", .content_type = "", .ttl_seconds = 0},
                          {.key = "j", .value = "m2", .content_type = "", .ttl_seconds = 0}})
          .ok());
  ExpectSameAsInner(ns, "k");
  ExpectSameAsInner(ns, "j");

  Prime(ns, "k");
  Prime(ns, "j");
  ASSERT_TRUE(store_->DeleteMany(ns, {"k", "zz"}).ok());
  ExpectSameAsInner(ns, "k");
  ExpectSameAsInner(ns, "j");

  ASSERT_TRUE(store_->Put(ns, "ruc:1", "a", "", 0).ok());
  ASSERT_TRUE(store_->Put(ns, "dni:1", "b", "", 0).ok());
  Prime(ns, "ruc:1");
  Prime(ns, "dni:1");
  ASSERT_TRUE(store_->DeletePrefix(ns, "ruc:").ok());
  ExpectSameAsInner(ns, "ruc:1");
  ExpectSameAsInner(ns, "dni:1");

  Prime(ns, "dni:1");
  Prime(ns, "j");
  ASSERT_TRUE(store_->ClearNamespace(ns).ok());
  ExpectSameAsInner(ns, "dni:1");
  ExpectSameAsInner(ns, "j");
  // The namespace caches again after a clear.
  ASSERT_TRUE(store_->Put(ns, "after", "x", "", 0).ok());
  Prime(ns, "after");
  const uint64_t hits = Hits();
  ExpectSameAsInner(ns, "after");
  EXPECT_GT(Hits(), hits);
}

TEST_F(TieredStoreTest, FailedConditionalWritesLeaveRamConsistent) {
  ASSERT_TRUE(store_->Put("ns", "k", "v", "", 0).ok());
  Prime("ns", "k");
  EXPECT_EQ(store_->Add("ns", "k", "other", "", 0).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->CompareAndSet("ns", "k", 999999, "x", "", 0).code(), Code::kPreconditionFailed);
  EXPECT_EQ(store_->Incr("ns", "k", 1, 0).code(), Code::kConflict);
  ExpectSameAsInner("ns", "k");
}

TEST_F(TieredStoreTest, ExpiryIsTheStoresExpiry) {
  ASSERT_TRUE(store_->Put("ns", "short", "v", "", 10).ok());
  Prime("ns", "short");
  clock_.Advance(std::chrono::milliseconds(9'999));
  ExpectSameAsInner("ns", "short");
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(store_->Get("ns", "short").code(), Code::kNotFound);
  ExpectSameAsInner("ns", "short");

  // Touch moves the expiry in RAM as on disk.
  ASSERT_TRUE(store_->Put("ns", "t", "v", "", 10).ok());
  Prime("ns", "t");
  ASSERT_TRUE(store_->Touch("ns", "t", 100).ok());
  clock_.Advance(seconds(50));
  ExpectSameAsInner("ns", "t");
  EXPECT_TRUE(store_->Get("ns", "t").ok());
}

TEST_F(TieredStoreTest, MultiGetMixesRamAndStore) {
  ASSERT_TRUE(store_->inner().Put("ns", "a", "1", "", 0).ok());  // around the tier: not cached
  ASSERT_TRUE(store_->inner().Put("ns", "b", "2", "", 0).ok());
  Prime("ns", "a");
  const uint64_t hits = Hits();
  auto got = store_->MultiGet("ns", {"a", "b", "c", "a"});
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0]->value, "1");
  EXPECT_EQ((*got)[1]->value, "2");
  EXPECT_FALSE((*got)[2].has_value());
  EXPECT_EQ((*got)[3]->value, "1");
  EXPECT_EQ(Hits(), hits + 2);
  // b was filled by the MultiGet.
  ASSERT_TRUE(store_->Get("ns", "b").ok());
  EXPECT_EQ(Hits(), hits + 3);
  EXPECT_EQ(store_->MultiGet("Bad Name", {"a"}).code(), Code::kInvalidArgument);
}

// The shared reads answer as the copying ones, and a RAM hit hands out the tier's own bytes.
TEST_F(TieredStoreTest, SharedReadsShareTheRamEntry) {
  // Around the tier: not cached.
  ASSERT_TRUE(store_->inner().Put("ns", "a", std::string(500, 'a'), "text/plain", 0).ok());
  ASSERT_TRUE(store_->inner().Put("ns", "b", "2", "", 0).ok());
  auto first = store_->GetShared("ns", "a");  // read through: fills RAM
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->value, std::string(500, 'a'));
  const uint64_t hits = Hits();
  auto second = store_->GetShared("ns", "a");
  auto third = store_->GetShared("ns", "a");
  ASSERT_TRUE(second.ok() && third.ok());
  EXPECT_EQ(Hits(), hits + 2);
  EXPECT_EQ(second->value.data(), third->value.data()) << "a hit copied the value";
  EXPECT_EQ(second->content_type, "text/plain");
  EXPECT_EQ(store_->GetShared("ns", "missing").code(), Code::kNotFound);

  const std::vector<std::string_view> keys = {"a", "b", "c", "a"};
  auto got = store_->MultiGetShared("ns", keys);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0]->value.data(), second->value.data());
  EXPECT_EQ((*got)[1]->value, "2");
  EXPECT_FALSE((*got)[2].has_value());
  EXPECT_EQ((*got)[3]->value, std::string(500, 'a'));
  EXPECT_EQ(Hits(), hits + 4);
  // A write replaces the RAM entry; what a reader holds stays as it was read.
  ASSERT_TRUE(store_->Put("ns", "a", "new", "", 0).ok());
  EXPECT_EQ(second->value, std::string(500, 'a'));
  EXPECT_EQ(store_->GetShared("ns", "a")->value, "new");
  const std::vector<std::string_view> bad = {"a"};
  EXPECT_EQ(store_->MultiGetShared("Bad Name", bad).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->GetShared("Bad Name", "a").code(), Code::kInvalidArgument);
}

TEST_F(TieredStoreTest, LargeValueServedButNotKeptInRam) {
  HotCacheOptions hot;
  hot.max_entry_bytes = 1000;
  store_.reset();
  Open(hot);
  ASSERT_TRUE(store_->Put("ns", "big", std::string(5000, 'b'), "", 0).ok());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(store_->Get("ns", "big")->value.size(), 5000u);
  EXPECT_EQ(store_->hot_figures().hits, 0u);
  EXPECT_EQ(store_->hot_figures().entries, 0u);
}

TEST_F(TieredStoreTest, ErrorsPassThrough) {
  EXPECT_EQ(store_->Get("Bad Name", "k").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Put("Bad Name", "k", "v", "", 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Get("ns", "").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->ClearNamespace("Bad Name").code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->Put("ns", "k", "v", "", -1).code(), Code::kInvalidArgument);
}

TEST_F(TieredStoreTest, NothingServedFromRamAfterClose) {
  ASSERT_TRUE(store_->Put("ns", "k", "v", "", 0).ok());
  Prime("ns", "k");
  ASSERT_TRUE(store_->Close().ok());
  EXPECT_EQ(store_->Get("ns", "k").code(), Code::kUnavailable);
  EXPECT_EQ(store_->MultiGet("ns", {"k"}).code(), Code::kUnavailable);
  EXPECT_EQ(store_->hot_figures().entries, 0u);
  EXPECT_TRUE(store_->Close().ok() || store_->Close().code() == Code::kUnavailable);
}

TEST_F(TieredStoreTest, DropForgetsTheNamespaceInRamAndAfterARestart) {
  ASSERT_TRUE(store_->Put("gone", "k", "v", "", 0).ok());
  ASSERT_TRUE(store_->Put("kept", "k", "v", "", 0).ok());
  Prime("gone", "k");
  Prime("kept", "k");
  ASSERT_TRUE(store_->Get("gone", "k").ok());
  const uint64_t hits = Hits();
  auto dropped = store_->DropNamespace("gone");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_TRUE(*dropped);
  EXPECT_EQ(store_->Get("gone", "k").code(), Code::kNotFound);
  EXPECT_FALSE((*store_->MultiGet("gone", {"k"}))[0].has_value());
  EXPECT_EQ(Hits(), hits);
  ExpectSameAsInner("kept", "k");
  // The hot-set record still names gone/k; the restart must not bring it back.
  ASSERT_TRUE(store_->SaveHotSet().ok());
  ASSERT_TRUE(store_->Close().ok());
  Open(HotCacheOptions{});
  store_->StartWarmup();
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (!store_->hot_figures().warmup_done && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(store_->hot_figures().warmup_done);
  EXPECT_EQ(store_->Get("gone", "k").code(), Code::kNotFound);
  EXPECT_EQ(store_->GetNamespace("gone").code(), Code::kNotFound);
  EXPECT_EQ(store_->Get("kept", "k")->value, "v");
}

// Writers change each key under a per-key lock and publish the sequence number they committed;
// values carry that sequence. A reader first reads the committed sequence, then reads the key:
// the answer must be at least as new as what was committed before the read began. A stale RAM
// entry (the classic fill/invalidate race) shows up as an older sequence.
// Writers of the same keys at once, unordered (Puts and MultiPuts from many connections): once
// they are done, RAM holds what the store holds for every key, or nothing. A batch that cached
// its entry while another write of the key was running could leave an older value in RAM.
TEST_F(TieredStoreTest, ConcurrentWritersOfTheSameKeysLeaveRamAsTheStore) {
  constexpr int kKeys = 3;
  constexpr int kThreads = 4;
  constexpr int kRounds = 60;
  constexpr int kOpsPerRound = 150;
  const std::string ns = "same";
  auto key_name = [](int k) { return "key" + std::to_string(k); };
  std::atomic<uint64_t> errors{0};
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(static_cast<uint32_t>(round * kThreads + t) * 7919u + 3u);
        for (int op = 0; op < kOpsPerRound; ++op) {
          const std::string value = std::to_string(t) + "-" + std::to_string(op);
          const int k = static_cast<int>(rng() % kKeys);
          if (rng() % 2 == 0) {
            if (!store_->Put(ns, key_name(k), value, "", 0).ok()) errors.fetch_add(1);
          } else {
            const int k2 = static_cast<int>(rng() % kKeys);
            std::vector<PutItem> items(2);
            items[0] = {.key = key_name(k), .value = value, .content_type = "", .ttl_seconds = 0};
            items[1] = {.key = key_name(k2), .value = value, .content_type = "", .ttl_seconds = 0};
            if (rng() % 2 == 0) {
              if (!store_->MultiPut(ns, items).ok()) errors.fetch_add(1);
            } else {
              std::vector<BatchWrite> writes;
              for (const PutItem& item : items) {
                writes.push_back(PutOf(ns, item.key, item.value));
              }
              if (!store_->WriteAtomically(writes).ok()) errors.fetch_add(1);
            }
          }
          if (rng() % 4 == 0) (void)store_->Get(ns, key_name(static_cast<int>(rng() % kKeys)));
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (int k = 0; k < kKeys; ++k) {
      ExpectSameAsInner(ns, key_name(k));
      if (HasFailure()) return;
    }
  }
  EXPECT_EQ(errors.load(), 0u);
}

TEST_F(TieredStoreTest, ConcurrentWritesNeverLetAStaleValueBeRead) {
  constexpr int kKeys = 6;
  constexpr int kThreads = 8;
#ifdef APICACHED_HOT_TEST_SMALL
  constexpr int kOpsPerThread = 1500;
#else
  constexpr int kOpsPerThread = 4000;
#endif
  const std::string ns = "mt";
  struct KeyState {
    std::mutex mu;
    uint64_t next = 0;                   // guarded by mu
    bool present = false;                // guarded by mu
    uint64_t value = 0;                  // guarded by mu
    std::atomic<uint64_t> committed{1};  // seq << 1 | deleted; starts as "deleted at 0"
    std::atomic<uint64_t> delete_started{0};
  };
  std::vector<KeyState> keys(kKeys);
  std::mutex clear_mu;  // clears take every key lock, in order
  std::atomic<uint64_t> violations{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> reads{0};
  auto key_name = [](int k) { return "key" + std::to_string(k); };

  auto check_read = [&](int k, uint64_t committed_before, const std::optional<Entry>& got) {
    const uint64_t seq = committed_before >> 1;
    const bool deleted = (committed_before & 1) != 0;
    if (got.has_value()) {
      const uint64_t v = std::stoull(got->value);
      if (deleted ? v <= seq : v < seq) violations.fetch_add(1);
    } else if (!deleted && keys[k].delete_started.load() <= seq) {
      violations.fetch_add(1);
    }
    reads.fetch_add(1);
  };

  auto worker = [&](int id) {
    std::mt19937 rng(static_cast<uint32_t>(id) * 7919u + 1u);
    for (int op = 0; op < kOpsPerThread; ++op) {
      const int k = static_cast<int>(rng() % kKeys);
      const int dice = static_cast<int>(rng() % 100);
      KeyState& s = keys[k];
      if (dice < 55) {  // Get
        const uint64_t before = s.committed.load();
        Result<Entry> got = Status::Internal("unset");
        if (dice % 2 == 0) {
          got = store_->Get(ns, key_name(k));
        } else if (Result<SharedEntry> shared = store_->GetShared(ns, key_name(k)); shared.ok()) {
          got = shared->ToEntry();
        } else {
          got = shared.status();
        }
        if (got.ok()) {
          check_read(k, before, *got);
        } else if (got.code() == Code::kNotFound) {
          check_read(k, before, std::nullopt);
        } else {
          errors.fetch_add(1);
        }
      } else if (dice < 65) {  // MultiGet
        const uint64_t before = s.committed.load();
        const std::string key = key_name(k);
        if (dice % 2 == 0) {
          auto got = store_->MultiGet(ns, {key});
          if (!got.ok()) {
            errors.fetch_add(1);
          } else {
            check_read(k, before, (*got)[0]);
          }
        } else {
          const std::string_view one[] = {key};
          auto got = store_->MultiGetShared(ns, one);
          if (!got.ok()) {
            errors.fetch_add(1);
          } else {
            check_read(k, before,
                       (*got)[0] ? std::optional<Entry>((*got)[0]->ToEntry()) : std::nullopt);
          }
        }
      } else if (dice < 80 && dice % 3 == 0) {  // MultiPut of two keys, one named twice or not
        const int k2 = (k + 1 + static_cast<int>(rng() % (kKeys - 1))) % kKeys;
        KeyState& s2 = keys[k2];
        std::scoped_lock lock(keys[std::min(k, k2)].mu, keys[std::max(k, k2)].mu);
        const uint64_t a = ++s.next;
        const uint64_t b = ++s2.next;
        std::vector<PutItem> items(2);
        items[0] = {
            .key = key_name(k), .value = std::to_string(a), .content_type = "", .ttl_seconds = 0};
        items[1] = {
            .key = key_name(k2), .value = std::to_string(b), .content_type = "", .ttl_seconds = 0};
        uint64_t last = a;
        if (dice % 2 == 0) {
          last = ++s.next;
          items.push_back({.key = key_name(k),
                           .value = std::to_string(last),
                           .content_type = "",
                           .ttl_seconds = 0});
        }
        if (dice % 9 == 0) {
          // The same writes as one atomic batch: what each key's first write replaced, which RAM
          // answers when it knows the entry, must be what was there (both keys are held).
          std::vector<BatchWrite> writes;
          for (const PutItem& item : items) {
            writes.push_back(PutOf(ns, item.key, item.value));
          }
          auto r = store_->WriteAtomically(writes);
          if (!r.ok() || (*r)[0].existed != s.present || (*r)[1].existed != s2.present ||
              (r->size() == 3 && !(*r)[2].existed)) {
            errors.fetch_add(1);
          }
        } else if (!store_->MultiPut(ns, items).ok()) {
          errors.fetch_add(1);
        }
        s.present = s2.present = true;
        s.value = last;
        s2.value = b;
        s.committed.store(last << 1);
        s2.committed.store(b << 1);
      } else if (dice < 80) {  // Put
        std::lock_guard lock(s.mu);
        const uint64_t seq = ++s.next;
        if (!store_->Put(ns, key_name(k), std::to_string(seq), "", 0).ok()) errors.fetch_add(1);
        s.present = true;
        s.value = seq;
        s.committed.store(seq << 1);
      } else if (dice < 90) {  // Incr to the next sequence
        std::lock_guard lock(s.mu);
        const uint64_t seq = ++s.next;
        const auto delta = static_cast<int64_t>(s.present ? seq - s.value : seq);
        auto r = store_->Incr(ns, key_name(k), delta, 0);
        if (!r.ok() || static_cast<uint64_t>(*r) != seq) errors.fetch_add(1);
        s.present = true;
        s.value = seq;
        s.committed.store(seq << 1);
      } else if (dice < 99) {  // Delete
        std::lock_guard lock(s.mu);
        const uint64_t seq = ++s.next;
        s.delete_started.store(seq);
        if (!store_->Delete(ns, key_name(k)).ok()) errors.fetch_add(1);
        s.present = false;
        s.committed.store(seq << 1 | 1);
      } else {  // ClearNamespace
        std::lock_guard clear_lock(clear_mu);
        std::vector<std::unique_lock<std::mutex>> locks;
        std::vector<uint64_t> seqs;
        for (KeyState& each : keys) {
          locks.emplace_back(each.mu);
          seqs.push_back(++each.next);
          each.delete_started.store(seqs.back());
        }
        if (!store_->ClearNamespace(ns).ok()) errors.fetch_add(1);
        for (int i = 0; i < kKeys; ++i) {
          keys[i].present = false;
          keys[i].committed.store(seqs[i] << 1 | 1);
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0u) << "stale reads out of " << reads.load();
  EXPECT_EQ(errors.load(), 0u);
  EXPECT_GT(store_->hot_figures().hits, 0u) << "the test never exercised RAM hits";
  for (int k = 0; k < kKeys; ++k) ExpectSameAsInner(ns, key_name(k));
}

}  // namespace
}  // namespace apicached
