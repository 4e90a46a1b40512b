// redis::Session under group commit, without sockets: the writes of one Produce wait for one
// commit (PendingCommit), and a failed commit answers each of them with Redis's error while the
// other replies stay as they were.
#include <gtest/gtest.h>

#include "cache/cache_service.h"
#include "redis/databases.h"
#include "redis/session.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::redis {
namespace {

class RedisSessionGroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.data_dir = dir_.Sub("db");
    o.maintenance_period_seconds = 0;
    auto opened = OpenStore(o, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    DatabasesOptions d;
    d.namespaces = {{0, "default"}};
    databases_ = std::make_unique<Databases>(d);
    executor_ = std::make_unique<Executor>(*cache_, *databases_, nullptr, ExecutorOptions{});
    session_ = std::make_unique<Session>(*executor_, options_);
  }

  std::string Produce(std::string_view in) {
    std::string out;
    bool close = false;
    EXPECT_EQ(session_->Produce(in, out, close), in.size());
    return out;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  std::unique_ptr<Databases> databases_;
  std::unique_ptr<Executor> executor_;
  SessionOptions options_;
  std::unique_ptr<Session> session_;
};

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
