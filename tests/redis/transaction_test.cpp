// MULTI/EXEC as one atomic batch (redis/staged_writes.h, transaction.cpp) on the real cache
// layer and store, with a FaultStore in between to fail a batch or to write a key just before
// it, as an HTTP or memcached client would. Expected replies are redis-server 7.0.15's where
// Redis has the case (recorded side by side).
#include "redis/resp_parser.h"
#include "redis/resp_writer.h"
#include "tests/redis/session_fixture.h"

namespace apicached::redis {
namespace {

constexpr std::string_view kStoreDown = "-ERR apicached store temporarily unavailable\r\n";

class RedisTransactionTest : public RedisSessionTest {
 protected:
  void SetUp() override {
    RedisSessionTest::SetUp();
    client_ = executor_->NewClient();
  }

  // Runs every inline command of `lines`; returns the RESP bytes answered.
  std::string Run(const std::string& lines) {
    RespParser parser;
    std::string in = lines + "\r\n", out;
    Argv argv;
    while (true) {
      auto r = parser.Parse(in, false, argv);
      in.erase(0, r.consumed);
      if (r.kind != RespParser::Result::Kind::kCommand) break;
      AppendReply(executor_->Execute(client_, argv), client_.resp, out);
    }
    return out;
  }

  // MULTI, the commands, EXEC: the EXEC reply alone.
  std::string Exec(const std::vector<std::string>& commands) {
    std::string lines = "MULTI";
    for (const std::string& c : commands) lines += "\r\n" + c;
    const std::string out = Run(lines + "\r\nEXEC");
    std::string queued = "+OK\r\n";
    for (size_t i = 0; i < commands.size(); ++i) queued += "+QUEUED\r\n";
    EXPECT_EQ(out.substr(0, queued.size()), queued);
    return out.substr(std::min(queued.size(), out.size()));
  }

  // Writes key in the real store behind the executor's back (an HTTP PUT).
  void WriteBehind(std::string_view key, std::string_view value) {
    ASSERT_TRUE(store_->Put("default", key, value, "", 0).ok());
  }

  ClientState client_;
};

TEST_F(RedisTransactionTest, LaterCommandsReadWhatEarlierOnesWrote) {
  EXPECT_EQ(Exec({"SET a 1", "INCR a", "GET a", "DEL a", "EXISTS a"}),
            "*5\r\n+OK\r\n:2\r\n$1\r\n2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Exec({"SET a 1",    "INCR a",          "GET a",        "APPEND a xy", "STRLEN a",
                  "DEL a",      "EXISTS a",        "GET a",        "SETNX b 1",   "SETNX b 2",
                  "GETSET b 3", "MSET c 1 d 2",    "MGET b c d e", "INCRBY c 5",  "EXPIRE c 100",
                  "TTL c",      "PERSIST c",       "TTL c",        "SET e v XX",  "SET e v NX",
                  "GETDEL e",   "EXISTS a b c d e"}),
            "*22\r\n+OK\r\n:2\r\n$1\r\n2\r\n:3\r\n:3\r\n:1\r\n:0\r\n$-1\r\n:1\r\n:0\r\n$1\r\n1\r\n"
            "+OK\r\n*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n:6\r\n:1\r\n:100\r\n:1\r\n:-1\r\n"
            "$-1\r\n+OK\r\n$1\r\nv\r\n:3\r\n");
  EXPECT_EQ(Run("MGET a b c d e"), "*5\r\n$-1\r\n$1\r\n3\r\n$1\r\n6\r\n$1\r\n2\r\n$-1\r\n");
  EXPECT_EQ(faults_->batches, 2);  // one batch per EXEC
}

TEST_F(RedisTransactionTest, AFailedBatchAnswersTheStoreErrorEverywhereAndAppliesNothing) {
  faults_->before_batch = [] { return Status::Unavailable("injected"); };
  const std::string down(kStoreDown);
  EXPECT_EQ(Exec({"SET a 1", "SET b 2", "INCR c"}), "*3\r\n" + down + down + down);
  faults_->before_batch = nullptr;
  EXPECT_EQ(Run("GET a\r\nGET b\r\nGET c"), "$-1\r\n$-1\r\n$-1\r\n");
}

TEST_F(RedisTransactionTest, AWriteFromAnotherProtocolBeforeTheBatchRunsTheTransactionAgain) {
  ASSERT_EQ(Run("SET c 10"), "+OK\r\n");
  int writes = 0;
  faults_->before_batch = [&] {
    if (writes++ == 0) WriteBehind("c", "100");
    return Status::Ok();
  };
  // Without the version condition the batch would write 11 over the HTTP client's 100.
  EXPECT_EQ(Exec({"INCR c", "SET d 1"}), "*2\r\n:101\r\n+OK\r\n");
  EXPECT_EQ(Run("GET c\r\nGET d"), "$3\r\n101\r\n$1\r\n1\r\n");
  EXPECT_EQ(faults_->batches, 2);
}

TEST_F(RedisTransactionTest, BlindWritesAfterARead) {
  // The transaction reads e, then writes f without reading it: f is conditioned too, so that a
  // write of f between the read and the batch is not silently overwritten.
  int writes = 0;
  faults_->before_batch = [&] {
    if (writes++ == 0) WriteBehind("f", "http");
    return Status::Ok();
  };
  EXPECT_EQ(Exec({"GET e", "SET f redis"}), "*2\r\n$-1\r\n+OK\r\n");
  EXPECT_EQ(faults_->batches, 2);
  EXPECT_EQ(Run("GET f"), "$5\r\nredis\r\n");
}

TEST_F(RedisTransactionTest, ATransactionThatKeepsConflictingFailsAndAppliesNothing) {
  ASSERT_EQ(Run("SET c 10"), "+OK\r\n");
  int n = 0;
  faults_->before_batch = [&] {
    WriteBehind("c", std::to_string(1000 + n++));
    return Status::Ok();
  };
  const std::string conflict =
      "-ERR apicached transaction aborted: keys it read kept changing through another "
      "protocol; nothing was applied\r\n";
  EXPECT_EQ(Exec({"INCR c", "SET d 1"}), "*2\r\n" + conflict + conflict);
  faults_->before_batch = nullptr;
  EXPECT_EQ(Run("GET c\r\nGET d"), "$4\r\n1002\r\n$-1\r\n");
}

TEST_F(RedisTransactionTest, WholeKeyspaceCommandsSeeTheEarlierWrites) {
  // KEYS, FLUSHDB and DBSIZE run on the store: the writes before each are applied first.
  EXPECT_EQ(Exec({"SET k 1", "KEYS k*", "SET m 2", "FLUSHDB", "SET n 3", "DBSIZE"}),
            "*6\r\n+OK\r\n*1\r\n$1\r\nk\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n");
  EXPECT_EQ(Run("KEYS *"), "*1\r\n$1\r\nn\r\n");
}

TEST_F(RedisTransactionTest, ARefusedCommandFailsAloneAsInRedis) {
  // A value over max-value-bytes is refused when staged: the other commands are applied.
  const std::string big(1001, 'x');
  EXPECT_EQ(Exec({"SET a 1", "SET b " + big, "INCR a"}),
            "*3\r\n+OK\r\n-ERR string exceeds maximum allowed size (max-value-bytes)\r\n:2\r\n");
  EXPECT_EQ(Run("GET a\r\nEXISTS b"), "$1\r\n2\r\n:0\r\n");
  // And a type error, as Redis: the INCR fails, the SETs stand.
  EXPECT_EQ(Exec({"SET s abc", "INCR s", "SET t 1"}),
            "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n");
  EXPECT_EQ(Run("MGET s t"), "*2\r\n$3\r\nabc\r\n$1\r\n1\r\n");
}

TEST_F(RedisTransactionTest, DeadlinesAreStagedExactly) {
  clock_.Set(1'700'000'000'123);
  EXPECT_EQ(Exec({"SET a 1 PX 1500", "PTTL a", "SET b 1 EX 10", "PEXPIRETIME b", "SET c 1",
                  "PEXPIREAT c 1700000000100", "EXISTS c"}),
            "*7\r\n+OK\r\n:1500\r\n+OK\r\n:1700000010123\r\n+OK\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run("PTTL a\r\nPEXPIRETIME b\r\nEXISTS c"), ":1500\r\n:1700000010123\r\n:0\r\n");
}

}  // namespace
}  // namespace apicached::redis
