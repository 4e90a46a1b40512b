// redis/set_combiner.h without sockets: the SETs that end the pipelines of several connections
// of one io_context run as one store batch at its commit, before any of them is answered; each
// connection then gets its replies in order and sees its writes; a SET refused on its own keeps
// its own error; a failed commit answers every combined SET with the error.
#include "redis/set_combiner.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>

#include "tests/redis/session_fixture.h"
#include "tests/support/staging_connection.h"

namespace apicached::redis {
namespace {

using Connection = apicached::testing::StagingConnection<Session>;

class RedisSetCombinerTest : public RedisSessionTest {
 protected:
  void SetUp() override {
    options_.combine_sets = true;
    RedisSessionTest::SetUp();
  }

  std::shared_ptr<Connection> Connect() { return Connection::Make(*executor_, options_); }

  boost::asio::io_context io_;
};

TEST_F(RedisSetCombinerTest, TheSetsOfManyConnectionsBecomeOneStoreBatchAtTheCommit) {
  auto a = Connect();
  auto b = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "SET a 1\r\nSET b 2\r\n"); });
  boost::asio::post(io_, [&] {
    b->Produce(io_, "GET a\r\nSET c 3\r\n");
    // Held for the commit: neither written nor answered yet.
    EXPECT_EQ(b->out, "$-1\r\n");  // a's SET has not happened for b
    EXPECT_EQ(a->out, "");
    EXPECT_TRUE(a->waiting && b->waiting);
    EXPECT_EQ(faults_->multi_puts + faults_->puts, 0);
  });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n+OK\r\n");
  EXPECT_EQ(b->out, "$-1\r\n+OK\r\n");
  EXPECT_FALSE(a->waiting || b->waiting);
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(faults_->puts, 0);
  EXPECT_EQ(Value("default", "a"), "1");
  EXPECT_EQ(Value("default", "b"), "2");
  EXPECT_EQ(Value("default", "c"), "3");
}

TEST_F(RedisSetCombinerTest, AConnectionSeesItsSetsInItsNextCommands) {
  auto a = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "SET k 1\r\n"); });
  io_.run();
  io_.restart();
  boost::asio::post(io_, [&] { a->Produce(io_, "GET k\r\nSET k 2\r\n"); });
  io_.run();
  io_.restart();
  boost::asio::post(io_, [&] { a->Produce(io_, "GET k\r\n"); });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n$1\r\n1\r\n+OK\r\n$1\r\n2\r\n");
}

TEST_F(RedisSetCombinerTest, TheLastSetOfAKeyWinsInTheOrderTheConnectionsCame) {
  auto a = Connect();
  auto b = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "SET k from-a\r\n"); });
  boost::asio::post(io_, [&] { b->Produce(io_, "SET k from-b\r\n"); });
  io_.run();
  EXPECT_EQ(Value("default", "k"), "from-b");
  EXPECT_EQ(faults_->multi_puts, 1);
}

TEST_F(RedisSetCombinerTest, ASetRefusedOnItsOwnKeepsItsErrorAndTheOthersAreWritten) {
  auto a = Connect();
  auto b = Connect();
  const std::string big(apicached::testing::kSmallStoreMaxValueBytes + 1, 'v');
  boost::asio::post(io_, [&] { a->Produce(io_, "SET a 1\r\n"); });
  boost::asio::post(io_, [&] { b->Produce(io_, "SET big " + big + "\r\nSET b 2\r\n"); });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n");
  ASSERT_FALSE(b->out.empty());
  EXPECT_EQ(b->out.front(), '-') << b->out;
  EXPECT_TRUE(b->out.ends_with("\r\n+OK\r\n")) << b->out;
  EXPECT_EQ(Value("default", "a"), "1");
  EXPECT_EQ(Value("default", "b"), "2");
  EXPECT_EQ(Value("default", "big").front(), '<');  // not found
}

TEST_F(RedisSetCombinerTest, EachConnectionsDatabaseChoosesItsNamespace) {
  auto a = Connect();
  auto b = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "SET k in-0\r\n"); });
  boost::asio::post(io_, [&] { b->Produce(io_, "SELECT 1\r\nSET k in-1\r\nSET migo:x m\r\n"); });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n");
  EXPECT_EQ(b->out, "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(Value("default", "k"), "in-0");
  EXPECT_EQ(Value("other", "k"), "in-1");
  EXPECT_EQ(Value("migo", "migo:x"), "m");
}

TEST_F(RedisSetCombinerTest, AFailedCommitAnswersEveryCombinedSetWithTheError) {
  faults_->before_commit = [] { return Status::Unavailable("log write failed"); };
  auto a = Connect();
  auto b = Connect();
  boost::asio::post(io_, [&] { a->Produce(io_, "GET x\r\nSET a 1\r\n"); });
  boost::asio::post(io_, [&] { b->Produce(io_, "INCR n\r\nSET b 2\r\nSET c 3\r\n"); });
  io_.run();
  const std::string error = "-ERR apicached store temporarily unavailable\r\n";
  EXPECT_EQ(a->out, "$-1\r\n" + error);
  EXPECT_EQ(b->out, error + error + error);
}

// django-redis writes every cache.set as `SET key value PX <ms>`: combined too, each entry
// with its own deadline to the millisecond, counted from the commit.
TEST_F(RedisSetCombinerTest, SetsWithAnExpiryAreCombinedWithTheirExactDeadlines) {
  auto a = Connect();
  auto b = Connect();
  const int64_t now = clock_.NowMillis();
  const std::string pxat = std::to_string(now + 2500);
  boost::asio::post(io_, [&] { a->Produce(io_, "SET a 1 PX 1500\r\n"); });
  boost::asio::post(io_, [&] {
    b->Produce(io_, "SET b 2 ex 2\r\nSET c 3 PXAT " + pxat + "\r\nSET d 4 EXAT 1767225700\r\n");
    EXPECT_TRUE(b->waiting);
    EXPECT_EQ(b->out, "");
  });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n");
  EXPECT_EQ(b->out, "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(faults_->puts, 0);
  auto expires = [&](std::string_view key) {
    auto e = store_->Get("default", key);
    return e.ok() ? e->info.expires_ms : -1;
  };
  EXPECT_EQ(expires("a"), now + 1500);
  EXPECT_EQ(expires("b"), now + 2000);
  EXPECT_EQ(expires("c"), now + 2500);
  EXPECT_EQ(expires("d"), int64_t{1767225700} * 1000);
  clock_.Advance(std::chrono::milliseconds(1499));
  EXPECT_EQ(Value("default", "a"), "1");
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(Value("default", "a").front(), '<');  // gone at its millisecond
  EXPECT_EQ(Value("default", "b"), "2");
}

// NX, GET, KEEPTTL, a deadline already past and a bad argument are not held even when they
// end the pipeline: each runs in Produce, with Redis's answer.
TEST_F(RedisSetCombinerTest, SetsThatReadOrAnswerAnErrorAreNotHeld) {
  ASSERT_TRUE(store_->Put("default", "old", "x", "", 0).ok());
  const std::pair<std::string, std::string> cases[] = {
      {"SET n 1 PX 1000 NX", "+OK\r\n"},
      {"SET n 2 GET", "$1\r\n1\r\n"},
      {"SET n 3 KEEPTTL", "+OK\r\n"},
      {"SET old y EXAT 1", "+OK\r\n"},
      {"SET p 1 PX abc", "-ERR value is not an integer or out of range\r\n"},
      {"SET p 1 PX 0", "-ERR invalid expire time in 'set' command\r\n"},
      {"SET p 1 PX 1000 EX 1", "-ERR syntax error\r\n"},
  };
  for (const auto& c : cases) {
    const std::string& command = c.first;  // a plain reference: clang 14 cannot capture a
    const std::string& reply = c.second;   // structured binding in a lambda
    auto a = Connect();
    boost::asio::post(io_, [&] {
      a->Produce(io_, command + "\r\n");
      EXPECT_EQ(a->out, reply) << command;  // answered at once
    });
    io_.run();
    io_.restart();
  }
  EXPECT_EQ(faults_->multi_puts + faults_->puts, 0);
  EXPECT_EQ(Value("default", "n"), "3");
  EXPECT_EQ(Value("default", "old").front(), '<');  // a past EXAT deletes
  EXPECT_EQ(Value("default", "p").front(), '<');
}

TEST_F(RedisSetCombinerTest, WithoutCombiningTheSetsRunInProduce) {
  options_.combine_sets = false;
  auto a = Connect();
  boost::asio::post(io_, [&] {
    a->Produce(io_, "SET a 1\r\n");
    EXPECT_EQ(a->out, "+OK\r\n");  // run and held for the commit
    EXPECT_EQ(faults_->puts, 1);
  });
  io_.run();
  EXPECT_EQ(a->out, "+OK\r\n");
}

TEST_F(RedisSetCombinerTest, AnIoContextDestroyedBeforeItsCommitDropsTheHeldSetsUnrun) {
  auto a = Connect();
  {
    boost::asio::io_context io;
    a->Produce(io, "SET a 1\r\n");
    EXPECT_TRUE(a->waiting);
  }
  EXPECT_EQ(a->out, "");
  EXPECT_EQ(faults_->multi_puts + faults_->puts, 0);
  EXPECT_EQ(Value("default", "a").front(), '<');
}

}  // namespace
}  // namespace apicached::redis
