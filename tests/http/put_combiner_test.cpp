// http/put_combiner.h through the Router, without sockets: the plain PUTs that the connections
// of one io_context leave in one turn are written as one store batch at its commit, each then
// answered 201 or 204 with its ETag; conditional PUTs are not held; a PUT refused on its own
// keeps its own answer; a store that cannot write, or a failed commit, answers every held PUT
// with 503, and a batch that wrote nothing asks for no commit.
#include "http/put_combiner.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <vector>

#include "http/cache_api.h"
#include "tests/support/fault_store.h"
#include "tests/support/small_store.h"
#include "tests/support/temp_dir.h"

namespace apicached::http {
namespace {

namespace bhttp = boost::beast::http;

class PutCombinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    faults_ = std::make_unique<apicached::testing::FaultStore>(*store_);
    cache_ = std::make_unique<cache::CacheService>(*faults_, clock_);
    AddCacheRoutes(router_, *cache_, CacheApiOptions{.combine_puts = true});
  }

  // Routes a PUT of body to target and starts its deferred answer on io_ (in the turn the
  // caller runs in), as the server's session does; the answer lands in *out.
  void Put(const std::string& target, const std::string& body, Response* out,
           std::vector<std::pair<bhttp::field, std::string>> headers = {}) {
    Request req{Verb::put, target, 11};
    for (auto& [f, v] : headers) req.set(f, v);
    req.body() = body;
    req.prepare_payload();
    Routed routed = router_.Handle(req);
    if (!routed.deferred) {
      *out = std::move(routed.response);
      return;
    }
    routed.deferred(io_.get_executor(), [out](Response res) { *out = std::move(res); });
  }

  // Two connections' PUTs of /v1/cache/ns/a and /v1/cache/ns/b in one turn, then the commit.
  void PutTwoAndCommit(Response& a, Response& b) {
    boost::asio::post(io_, [&] {
      Put("/v1/cache/ns/a", "1", &a);
      Put("/v1/cache/ns/b", "2", &b);
    });
    io_.run();
  }

  std::string Value(std::string_view ns, std::string_view key) {
    auto e = store_->Get(ns, key);
    return e.ok() ? e->value : "<" + e.status().ToString() + ">";
  }

  apicached::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<apicached::testing::FaultStore> faults_;
  std::unique_ptr<cache::CacheService> cache_;
  Router router_;
  boost::asio::io_context io_;
};

TEST_F(PutCombinerTest, ThePutsOfManyConnectionsBecomeOneStoreBatchAtTheCommit) {
  ASSERT_TRUE(store_->Put("ns", "old", "x", "", 0).ok());
  Response a, b, c;
  boost::asio::post(io_, [&] {
    Put("/v1/cache/ns/new", "1", &a);
    Put("/v1/cache/ns/old", "2", &b);
    Put("/v1/cache/other/k?ttl=60", "3", &c);
    // Held for the commit: not written, not answered.
    EXPECT_EQ(faults_->batches + faults_->puts, 0);
    EXPECT_EQ(Value("ns", "new").front(), '<');
    EXPECT_EQ(a.result_int(), 200u);  // a default Response: no answer yet
  });
  io_.run();
  EXPECT_EQ(faults_->batches, 1);
  EXPECT_EQ(faults_->puts, 0);
  EXPECT_EQ(a.result_int(), 201u) << a.body();
  EXPECT_EQ(b.result_int(), 204u) << b.body();
  EXPECT_EQ(c.result_int(), 201u) << c.body();
  EXPECT_FALSE(a[bhttp::field::etag].empty());
  EXPECT_NE(a[bhttp::field::etag], b[bhttp::field::etag]);
  EXPECT_EQ(Value("ns", "new"), "1");
  EXPECT_EQ(Value("ns", "old"), "2");
  EXPECT_EQ(Value("other", "k"), "3");
  auto e = store_->Get("other", "k");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->info.expires_ms, clock_.NowMillis() + 60'000);
}

TEST_F(PutCombinerTest, TwoPutsOfOneKeyAreCreatedThenReplacedInTheOrderTheyCame) {
  Response a, b;
  boost::asio::post(io_, [&] { Put("/v1/cache/ns/k", "first", &a); });
  boost::asio::post(io_, [&] { Put("/v1/cache/ns/k", "second", &b); });
  io_.run();
  EXPECT_EQ(a.result_int(), 201u);
  EXPECT_EQ(b.result_int(), 204u);
  EXPECT_EQ(Value("ns", "k"), "second");
  EXPECT_EQ(faults_->batches, 1);
}

// Stale-while-revalidate: an entry past its TTL, in its grace period, is no live entry: a PUT
// over it creates (201), as without combining.
TEST_F(PutCombinerTest, APutOverAnEntryInItsGracePeriodCreates) {
  cache::WriteRequest w;
  w.data = "stale";
  w.expiry = cache::Expiry::After(1);
  w.grace_seconds = 60;
  ASSERT_TRUE(cache_->Write(cache::Protocol::kHttp, "ns", "k", w).ok());
  clock_.Advance(std::chrono::seconds(2));
  Response a;
  boost::asio::post(io_, [&] { Put("/v1/cache/ns/k", "fresh", &a); });
  io_.run();
  EXPECT_EQ(a.result_int(), 201u) << a.body();
  EXPECT_EQ(faults_->batches, 1);
}

TEST_F(PutCombinerTest, ConditionalPutsAreAnsweredAtOnce) {
  Response a, b;
  boost::asio::post(io_, [&] {
    Put("/v1/cache/ns/k", "v", &a, {{bhttp::field::if_none_match, "*"}});
    EXPECT_EQ(a.result_int(), 201u);
    Put("/v1/cache/ns/k", "w", &b, {{bhttp::field::if_none_match, "*"}});
    EXPECT_EQ(b.result_int(), 412u);
  });
  io_.run();
  EXPECT_EQ(faults_->batches, 0);
  EXPECT_EQ(Value("ns", "k"), "v");
}

TEST_F(PutCombinerTest, APutRefusedOnItsOwnKeepsItsAnswerAndTheOthersAreWritten) {
  const std::string big(apicached::testing::kSmallStoreMaxValueBytes + 1, 'v');
  Response a, b;
  boost::asio::post(io_, [&] {
    Put("/v1/cache/ns/big", big, &a);
    Put("/v1/cache/ns/k", "v", &b);
  });
  io_.run();
  EXPECT_EQ(a.result_int(), 413u) << a.body();
  EXPECT_EQ(a[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(b.result_int(), 201u) << b.body();
  EXPECT_EQ(Value("ns", "k"), "v");
  EXPECT_EQ(Value("ns", "big").front(), '<');
}

// A store that cannot write answers every held PUT 503 and asks for no commit (one would only
// add RocksDB's "Seen error" to the error that stopped it).
TEST_F(PutCombinerTest, AStoreThatCannotWriteAnswersEveryPut503WithoutACommit) {
  faults_->before_batch = [] { return Status::Unavailable("disk full"); };
  const uint64_t commits = net::CommitsOnThisThread();
  Response a, b;
  PutTwoAndCommit(a, b);
  EXPECT_EQ(a.result_int(), 503u) << a.body();
  EXPECT_EQ(b.result_int(), 503u) << b.body();
  EXPECT_EQ(faults_->puts, 0);  // not tried one by one
  EXPECT_EQ(net::CommitsOnThisThread(), commits);
}

TEST_F(PutCombinerTest, AFailedCommitAnswersEveryHeldPut503) {
  faults_->before_commit = [] { return Status::Unavailable("log write failed"); };
  Response a, b;
  PutTwoAndCommit(a, b);
  EXPECT_EQ(a.result_int(), 503u) << a.body();
  EXPECT_EQ(b.result_int(), 503u) << b.body();
}

TEST_F(PutCombinerTest, WithoutCombiningAPutIsWrittenAndAnsweredAtOnce) {
  Router plain;
  AddCacheRoutes(plain, *cache_, CacheApiOptions{});
  Request req{Verb::put, "/v1/cache/ns/k", 11};
  req.body() = "v";
  req.prepare_payload();
  Routed routed = plain.Handle(req);
  EXPECT_FALSE(routed.deferred);
  EXPECT_EQ(routed.response.result_int(), 201u);
  EXPECT_EQ(faults_->puts, 1);
}

}  // namespace
}  // namespace apicached::http
