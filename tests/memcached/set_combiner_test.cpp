// The memcached front's held sets (net/commit_combiner.h) without sockets: a plain `set` that
// ends what a read brought waits for the io_context's commit, where the sets of every such
// connection become one store batch per namespace; each connection then gets its reply and sees
// its write; a set refused on its own keeps its own error; a failed commit answers a held set
// SERVER_ERROR; every other command, and a set followed by more input, runs at once.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <optional>
#include <string>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "memcached/expiry.h"
#include "memcached/session.h"
#include "storage/store.h"
#include "tests/support/fault_store.h"
#include "tests/support/small_store.h"
#include "tests/support/staging_connection.h"
#include "tests/support/temp_dir.h"

namespace apicached::memcached {
namespace {

using Connection = apicached::testing::StagingConnection<Session>;

class MemcachedSetCombinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    faults_ = std::make_unique<apicached::testing::FaultStore>(*store_);
    cache_ = std::make_unique<cache::CacheService>(*faults_, clock_);
    mapping_ = std::make_unique<KeyMapping>(KeyMappingOptions{"default", {"migo"}});
    executor_ = std::make_unique<Executor>(*cache_, *mapping_, ExecutorOptions{});
    options_.combine_sets = true;
  }

  std::shared_ptr<Connection> Connect() { return Connection::Make(*executor_, options_, nullptr); }

  // Runs `in` on a new connection in a turn of its own, commit included; returns its replies.
  std::string RunAlone(std::string_view in) {
    auto c = Connect();
    boost::asio::post(io_, [&] { c->Produce(io_, in); });
    io_.restart();
    io_.run();
    return c->out;
  }

  // The stored entry of key in namespace ns, or nullopt.
  std::optional<Entry> Stored(std::string_view ns, std::string_view key) {
    auto e = store_->Get(ns, key);
    if (!e.ok()) return std::nullopt;
    return *e;
  }

  apicached::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<apicached::testing::FaultStore> faults_;
  std::unique_ptr<cache::CacheService> cache_;
  std::unique_ptr<KeyMapping> mapping_;
  std::unique_ptr<Executor> executor_;
  SessionOptions options_;
  boost::asio::io_context io_;
};

TEST_F(MemcachedSetCombinerTest, TheLastSetOfEachConnectionBecomesOneStoreBatchAtTheCommit) {
  auto a = Connect();
  auto b = Connect();
  auto c = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "set a 5 0 1\r\n1\r\n"); });
  boost::asio::post(io_, [&] { b->Produce(io_, "get a\r\nset b 0 300 1\r\n2\r\n"); });
  boost::asio::post(io_, [&] {
    c->Produce(io_, "set migo:c 16 0 1\r\n3\r\n");
    // Held for the commit: neither written nor answered yet.
    EXPECT_EQ(a->out, "");
    EXPECT_EQ(b->out, "END\r\n");  // a's set has not happened for b
    EXPECT_TRUE(a->waiting && b->waiting && c->waiting);
    EXPECT_EQ(faults_->multi_puts + faults_->puts, 0);
  });
  io_.run();
  EXPECT_EQ(a->out, "STORED\r\n");
  EXPECT_EQ(b->out, "END\r\nSTORED\r\n");
  EXPECT_EQ(c->out, "STORED\r\n");
  EXPECT_FALSE(a->waiting || b->waiting || c->waiting);
  EXPECT_EQ(faults_->multi_puts, 2);  // namespaces "default" and "migo"
  EXPECT_EQ(faults_->puts, 0);
  auto ea = Stored("default", "a");
  ASSERT_TRUE(ea);
  EXPECT_EQ(ea->value, "1");
  EXPECT_EQ(ea->info.flags, 5u);
  EXPECT_EQ(ea->info.expires_ms, 0);
  auto eb = Stored("default", "b");
  ASSERT_TRUE(eb);
  EXPECT_EQ(eb->info.expires_ms, clock_.NowMillis() + 300'000);
  auto ec = Stored("migo", "migo:c");
  ASSERT_TRUE(ec);
  EXPECT_EQ(ec->info.flags, 16u);
}

TEST_F(MemcachedSetCombinerTest, OnlyASetThatEndsTheInputIsHeld) {
  EXPECT_EQ(RunAlone("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n"), "STORED\r\nSTORED\r\n");
  EXPECT_EQ(faults_->puts, 1);  // a ran at once
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(RunAlone("get a b\r\n"), "VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\n");
}

TEST_F(MemcachedSetCombinerTest, OtherStoresAndExptimesRunAtOnce) {
  const std::string absolute = std::to_string(kMaxRelativeExptime + 1);
  EXPECT_EQ(RunAlone("add x 0 0 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_EQ(RunAlone("set y 0 " + absolute + " 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_EQ(RunAlone("set z 0 -1 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_EQ(faults_->multi_puts, 0);
  EXPECT_FALSE(Stored("default", "z"));  // already expired, as memcached
}

TEST_F(MemcachedSetCombinerTest, AConnectionSeesItsSetInItsNextCommand) {
  auto a = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "set k 0 0 1\r\n1\r\n"); });
  io_.run();
  io_.restart();
  boost::asio::post(io_, [&] { a->Produce(io_, "get k\r\n"); });
  io_.run();
  EXPECT_EQ(a->out, "STORED\r\nVALUE k 0 1\r\n1\r\nEND\r\n");
}

TEST_F(MemcachedSetCombinerTest, ANoreplySetIsHeldAndToldNothing) {
  EXPECT_EQ(RunAlone("set a 0 0 1 noreply\r\n1\r\n"), "");
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_TRUE(Stored("default", "a"));
}

TEST_F(MemcachedSetCombinerTest, ASetRefusedOnItsOwnKeepsItsErrorAndTheOthersAreStored) {
  auto a = Connect();
  auto b = Connect();
  const std::string big(apicached::testing::kSmallStoreMaxValueBytes + 1, 'v');
  boost::asio::post(io_, [&] {
    a->Produce(io_, "set big 0 0 " + std::to_string(big.size()) + "\r\n" + big + "\r\n");
  });
  boost::asio::post(io_, [&] { b->Produce(io_, "set b 0 0 1\r\n2\r\n"); });
  io_.run();
  EXPECT_EQ(a->out, "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(b->out, "STORED\r\n");
  EXPECT_FALSE(Stored("default", "big"));
  EXPECT_TRUE(Stored("default", "b"));
}

TEST_F(MemcachedSetCombinerTest, AFailedCommitAnswersAHeldSetWithTheError) {
  faults_->before_commit = [] { return Status::Unavailable("log write failed"); };
  EXPECT_EQ(RunAlone("get x\r\nset a 0 0 1\r\n1\r\n"),
            "END\r\nSERVER_ERROR temporarily unavailable\r\n");
  EXPECT_EQ(RunAlone("set a 0 0 1 noreply\r\n1\r\n"), "");
}

TEST_F(MemcachedSetCombinerTest, ADueFlushAllRunsBeforeTheHeldSet) {
  EXPECT_EQ(RunAlone("set old 0 0 1\r\n1\r\nflush_all 10\r\n"), "STORED\r\nOK\r\n");
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(RunAlone("set new 0 0 1\r\n1\r\n"), "STORED\r\n");
  EXPECT_FALSE(Stored("default", "old"));
  EXPECT_TRUE(Stored("default", "new"));
}

TEST_F(MemcachedSetCombinerTest, WithoutCombiningTheSetRunsInProduce) {
  options_.combine_sets = false;
  auto a = Connect();
  boost::asio::post(io_, [&] {
    a->Produce(io_, "set a 0 0 1\r\n1\r\n");
    EXPECT_EQ(a->out, "STORED\r\n");  // run, held for the commit
    EXPECT_EQ(faults_->puts, 1);
  });
  io_.run();
  EXPECT_EQ(a->out, "STORED\r\n");
  EXPECT_EQ(faults_->multi_puts, 0);
}

}  // namespace
}  // namespace apicached::memcached
