// redis::Session's pipelined SETs (Executor::ExecuteSets), without sockets: consecutive plain
// SETs of one read reach the store as one MultiPut per namespace, with the replies and the
// effects of running them one at a time; a FaultStore between the cache layer and the store
// counts the calls and refuses batches.
#include "redis/authenticator.h"
#include "tests/redis/session_fixture.h"

namespace apicached::redis {
namespace {

const std::string kTooLarge(apicached::testing::kSmallStoreMaxValueBytes + 1, 'x');

class RedisBatchedSetsTest : public RedisSessionTest {
 protected:
  // Runs `in` and commits its writes.
  std::string Produce(std::string_view in) {
    std::string out = RedisSessionTest::Produce(in);
    if (session_->PendingCommit() != nullptr) session_->Committed(out, Status::Ok());
    return out;
  }
};

TEST_F(RedisBatchedSetsTest, ConsecutiveSetsReachTheStoreAsOneBatch) {
  EXPECT_EQ(Produce("SET a 1\r\nset b 2\r\n*3\r\n$3\r\nSeT\r\n$1\r\nc\r\n$1\r\n3\r\n"),
            "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(faults_->puts, 0);
  EXPECT_EQ(Value("default", "a"), "1");
  EXPECT_EQ(Value("default", "b"), "2");
  EXPECT_EQ(Value("default", "c"), "3");
  EXPECT_EQ(executor_->commands_processed(), 3u);
  // Counted as three SETs, as without the batch.
  EXPECT_EQ(cache_->Counters(cache::Protocol::kRedis).cmd_set, 3u);
}

TEST_F(RedisBatchedSetsTest, EveryOtherCommandSeesTheSetsBeforeIt) {
  EXPECT_EQ(Produce("SET a 1\r\nSET a 2\r\nGET a\r\nSET b x\r\nSET b y\r\nAPPEND b z\r\nGET b\r\n"),
            "+OK\r\n+OK\r\n$1\r\n2\r\n+OK\r\n+OK\r\n:2\r\n$2\r\nyz\r\n");
  EXPECT_EQ(faults_->multi_puts, 2);
  EXPECT_EQ(Value("default", "a"), "2");  // the last SET of a key in a batch wins
}

TEST_F(RedisBatchedSetsTest, ARefusedBatchRunsEachSetAloneWithItsOwnReply) {
  // The third value is over the store's limit: the batch is refused as a whole, then
  // each SET runs alone and only that one fails.
  const std::string out = Produce("SET a 1\r\nSET b 2\r\nSET c " + kTooLarge + "\r\nSET d 4\r\n");
  EXPECT_EQ(out.substr(0, 10), "+OK\r\n+OK\r\n");
  EXPECT_EQ(out.substr(10, 1), "-") << out;
  EXPECT_EQ(out.substr(out.size() - 5), "+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(faults_->puts, 4);
  EXPECT_EQ(Value("default", "a"), "1");
  EXPECT_EQ(Value("default", "d"), "4");
  EXPECT_EQ(store_->Get("default", "c").status().code(), Code::kNotFound);
}

TEST_F(RedisBatchedSetsTest, ABatchTheStoreFailsIsRetriedOneSetAtATime) {
  faults_->before_multi_put = [](const std::vector<PutItem>&) {
    return Status::Unavailable("disk on fire");
  };
  EXPECT_EQ(Produce("SET a 1\r\nSET b 2\r\n"), "+OK\r\n+OK\r\n");  // alone, each succeeds
  EXPECT_EQ(faults_->puts, 2);
  EXPECT_EQ(Value("default", "b"), "2");
}

TEST_F(RedisBatchedSetsTest, SetsWithOptionsAndSetsInsideMultiAreNotBatched) {
  EXPECT_EQ(Produce("SET a 1 EX 100\r\nSET b 2 NX\r\nSET c 3 XX\r\n"), "+OK\r\n+OK\r\n$-1\r\n");
  EXPECT_EQ(Produce("MULTI\r\nSET d 1\r\nSET e 2\r\nEXEC\r\n"),
            "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 0);
  EXPECT_EQ(Value("default", "e"), "2");
}

TEST_F(RedisBatchedSetsTest, ABatchPerNamespaceWithinTheBatchBounds) {
  EXPECT_EQ(Produce("SET migo:1 a\r\nSET x b\r\nSET migo:2 c\r\n"), "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 2);
  EXPECT_EQ(Value("migo", "migo:2"), "c");
  EXPECT_EQ(Value("default", "x"), "b");

  options_.max_batched_sets = 2;
  NewSession();
  EXPECT_EQ(Produce("SET a 1\r\nSET b 2\r\nSET c 3\r\nSET d 4\r\nSET e 5\r\n"),
            "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 2 + 2);
  EXPECT_EQ(faults_->puts, 1);

  options_.max_batched_sets = 64;
  options_.max_batch_bytes = 8;  // keys and values: 5 + 5 bytes reach it
  NewSession();
  EXPECT_EQ(Produce("SET a 1234\r\nSET b 5678\r\nSET c 9\r\n"), "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 4 + 1);
  EXPECT_EQ(faults_->puts, 1 + 1);
}

TEST_F(RedisBatchedSetsTest, AFailedCommitAnswersEveryBatchedSetWithAnError) {
  std::string out;
  bool close = false;
  const std::string in = "SET a 1\r\nSET b 2\r\nPING\r\nSET c " + kTooLarge + "\r\n";
  ASSERT_EQ(session_->Produce(in, out, close), in.size());
  ASSERT_NE(session_->PendingCommit(), nullptr);
  session_->Committed(out, Status::Unavailable("log write failed"));
  const std::string error = "-ERR apicached store temporarily unavailable\r\n";
  EXPECT_EQ(out.substr(0, 2 * error.size() + 7), error + error + "+PONG\r\n");
  EXPECT_NE(out.substr(2 * error.size() + 7), error) << "refused on its own, not deferred";
}

class TokenAuth final : public Authenticator {
 public:
  bool Required() const override { return true; }
  bool Check(std::string_view, std::string_view password) const override { return password == "t"; }
};

TEST_F(RedisBatchedSetsTest, SetsBeforeAuthAreRefusedOneByOneAndThoseAfterItAreBatched) {
  TokenAuth auth;
  Executor executor(*cache_, *databases_, &auth, ExecutorOptions{});
  Session session(executor, options_);
  std::string out;
  bool close = false;
  const std::string in = "SET a 1\r\nSET b 2\r\nAUTH t\r\nSET c 3\r\nSET d 4\r\n";
  ASSERT_EQ(session.Produce(in, out, close), in.size());
  const std::string noauth = "-NOAUTH Authentication required.\r\n";
  EXPECT_EQ(out, noauth + noauth + "+OK\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(faults_->multi_puts, 1);
  EXPECT_EQ(store_->Get("default", "a").status().code(), Code::kNotFound);
  EXPECT_EQ(Value("default", "d"), "4");
}

}  // namespace
}  // namespace apicached::redis
