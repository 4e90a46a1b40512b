// redis::Session under group commit, without sockets: the writes of one Produce wait for one
// commit (PendingCommit), and a failed commit answers each of them with Redis's error while the
// other replies stay as they were.
#include "tests/redis/session_fixture.h"

namespace apicached::redis {
namespace {

using RedisSessionGroupCommitTest = RedisSessionTest;

TEST_F(RedisSessionGroupCommitTest, PipelinedSetsWaitForOneCommit) {
  std::string out = Produce("SET a 1\r\nSET b 2\r\nGET a\r\nSET c 3\r\n");
  EXPECT_EQ(out, "+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n");
  ASSERT_EQ(session_->PendingCommit(), cache_.get());
  session_->Committed(out, Status::Ok());
  EXPECT_EQ(out, "+OK\r\n+OK\r\n$1\r\n1\r\n+OK\r\n");
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

TEST_F(RedisSessionGroupCommitTest, AFailedCommitAnswersEveryWriteOfTheBatchWithAnError) {
  std::string out = Produce("SET a 1\r\nGET a\r\nDEL a\r\nPING\r\nINCR n\r\n");
  ASSERT_NE(session_->PendingCommit(), nullptr);
  session_->Committed(out, Status::Unavailable("log write failed"));
  const std::string error = "-ERR apicached store temporarily unavailable\r\n";
  EXPECT_EQ(out, error + "$1\r\n1\r\n" + error + "+PONG\r\n" + error);
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

TEST_F(RedisSessionGroupCommitTest, ReadsNeedNoCommit) {
  std::string out = Produce("GET a\r\nPING\r\nDEL a\r\n");
  EXPECT_EQ(out, "$-1\r\n+PONG\r\n:0\r\n");
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

}  // namespace
}  // namespace apicached::redis
