// memcached::Session under group commit, without sockets: the writes of one Produce wait for one
// commit (PendingCommit), and a failed commit answers each of them SERVER_ERROR while the other
// replies stay as they were.
#include <gtest/gtest.h>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "memcached/session.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::memcached {
namespace {

class SessionGroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.data_dir = dir_.Sub("db");
    o.maintenance_period_seconds = 0;
    auto opened = OpenStore(o, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    mapping_ = std::make_unique<KeyMapping>(KeyMappingOptions{"default", {}});
    executor_ = std::make_unique<Executor>(*cache_, *mapping_, ExecutorOptions{});
    session_ = std::make_unique<Session>(*executor_, options_, nullptr);
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
  std::unique_ptr<KeyMapping> mapping_;
  std::unique_ptr<Executor> executor_;
  SessionOptions options_;
  std::unique_ptr<Session> session_;
};

TEST_F(SessionGroupCommitTest, PipelinedSetsWaitForOneCommit) {
  std::string out =
      Produce("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\nget a\r\nset c 0 0 1\r\n3\r\n");
  EXPECT_EQ(out, "STORED\r\nSTORED\r\nVALUE a 0 1\r\n1\r\nEND\r\nSTORED\r\n");
  ASSERT_EQ(session_->PendingCommit(), cache_.get());
  session_->Committed(out, Status::Ok());
  EXPECT_EQ(out, "STORED\r\nSTORED\r\nVALUE a 0 1\r\n1\r\nEND\r\nSTORED\r\n");
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

TEST_F(SessionGroupCommitTest, AFailedCommitAnswersEveryWriteOfTheBatchWithAnError) {
  std::string out = Produce(
      "set a 0 0 1\r\n1\r\nget a\r\ndelete a\r\nget zz\r\nset b 0 0 1 noreply\r\n2\r\nmn\r\n");
  ASSERT_NE(session_->PendingCommit(), nullptr);
  session_->Committed(out, Status::Unavailable("log write failed"));
  EXPECT_EQ(out,
            "SERVER_ERROR temporarily unavailable\r\nVALUE a 0 1\r\n1\r\nEND\r\n"
            "SERVER_ERROR temporarily unavailable\r\nEND\r\nMN\r\n");
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

TEST_F(SessionGroupCommitTest, ReadsAndRefusedWritesNeedNoCommit) {
  std::string out = Produce("get a\r\ndelete a\r\nmn\r\n");
  EXPECT_EQ(out, "END\r\nNOT_FOUND\r\nMN\r\n");
  EXPECT_EQ(session_->PendingCommit(), nullptr);
}

}  // namespace
}  // namespace apicached::memcached
