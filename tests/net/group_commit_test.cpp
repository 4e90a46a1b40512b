// net/group_commit.h: one commit per turn of an I/O thread for every session waiting on it, each
// resumed only after it with its outcome; a failed commit reaches every one of them; the reply
// bytes of the deferred writes are replaced on failure, the others kept.
#include "net/group_commit.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <vector>

namespace apicached::net {
namespace {

class CountingCommitter final : public WriteCommitter {
 public:
  Status CommitWrites() override {
    ++commits;
    return fail ? Status::Unavailable("log write failed") : Status::Ok();
  }
  int commits = 0;
  bool fail = false;
};

class RecordingWaiter final : public CommitWaiter {
 public:
  explicit RecordingWaiter(const CountingCommitter& c) : committer(c) {}
  void Resume(const Status& status) override {
    resumed.push_back(status);
    commits_seen = committer.commits;
  }
  bool NeedsCommit() const override { return needs_commit; }
  const CountingCommitter& committer;
  bool needs_commit = true;
  std::vector<Status> resumed;
  int commits_seen = -1;  // commits made when resumed
};

TEST(GroupCommitTest, WaitersOfOneTurnShareOneCommitAndResumeAfterIt) {
  boost::asio::io_context io;
  CountingCommitter committer;
  std::vector<std::shared_ptr<RecordingWaiter>> waiters;
  for (int i = 0; i < 3; ++i) waiters.push_back(std::make_shared<RecordingWaiter>(committer));
  // Three sessions' reads completing in one turn: three handlers queued before the commit.
  for (auto& w : waiters) {
    boost::asio::post(io, [&io, &committer, w] {
      CommitThenResume(io.get_executor(), committer, w);
      EXPECT_TRUE(w->resumed.empty()) << "resumed before the commit";
    });
  }
  io.run();
  EXPECT_EQ(committer.commits, 1);
  for (auto& w : waiters) {
    ASSERT_EQ(w->resumed.size(), 1u);
    EXPECT_TRUE(w->resumed[0].ok());
    EXPECT_EQ(w->commits_seen, 1);
  }
}

TEST(GroupCommitTest, AFailedCommitReachesEveryWaiter) {
  boost::asio::io_context io;
  CountingCommitter committer;
  committer.fail = true;
  auto a = std::make_shared<RecordingWaiter>(committer);
  auto b = std::make_shared<RecordingWaiter>(committer);
  boost::asio::post(io, [&] {
    CommitThenResume(io.get_executor(), committer, a);
    CommitThenResume(io.get_executor(), committer, b);
  });
  io.run();
  EXPECT_EQ(committer.commits, 1);
  for (auto* w : {a.get(), b.get()}) {
    ASSERT_EQ(w->resumed.size(), 1u);
    EXPECT_EQ(w->resumed[0].code(), Code::kUnavailable);
  }
}

// A held write that failed in a stage has nothing to make durable: its waiter is resumed with Ok,
// once, and asks for no commit; the others of the turn still share theirs.
TEST(GroupCommitTest, AWaiterWithNothingToCommitIsResumedWithoutACommit) {
  boost::asio::io_context io;
  CountingCommitter committer;
  committer.fail = true;
  auto failed = std::make_shared<RecordingWaiter>(committer);
  failed->needs_commit = false;
  boost::asio::post(io, [&] { CommitThenResume(io.get_executor(), committer, failed); });
  io.run();
  EXPECT_EQ(committer.commits, 0);
  ASSERT_EQ(failed->resumed.size(), 1u);
  EXPECT_TRUE(failed->resumed[0].ok());

  io.restart();
  auto other = std::make_shared<RecordingWaiter>(committer);
  failed->resumed.clear();
  boost::asio::post(io, [&] {
    CommitThenResume(io.get_executor(), committer, failed);
    CommitThenResume(io.get_executor(), committer, other);
  });
  io.run();
  EXPECT_EQ(committer.commits, 1);
  ASSERT_EQ(failed->resumed.size(), 1u);  // not resumed again with the commit's outcome
  EXPECT_TRUE(failed->resumed[0].ok());
  ASSERT_EQ(other->resumed.size(), 1u);
  EXPECT_EQ(other->resumed[0].code(), Code::kUnavailable);
}

TEST(GroupCommitTest, AWaiterOfALaterTurnGetsACommitOfItsOwn) {
  boost::asio::io_context io;
  CountingCommitter committer;
  auto first = std::make_shared<RecordingWaiter>(committer);
  auto second = std::make_shared<RecordingWaiter>(committer);
  boost::asio::post(io, [&] { CommitThenResume(io.get_executor(), committer, first); });
  io.run();
  io.restart();
  boost::asio::post(io, [&] { CommitThenResume(io.get_executor(), committer, second); });
  io.run();
  EXPECT_EQ(committer.commits, 2);
  EXPECT_EQ(second->commits_seen, 2);
}

// An io_context destroyed with a commit still queued (a server stopped mid-turn) releases the
// sessions waiting on it, and the next io_context run by the same thread commits as usual (with a
// per-thread queue its "commit queued" flag stayed set, so no later commit was ever posted).
TEST(GroupCommitTest, AnIoContextDestroyedWithACommitQueuedReleasesItsWaiters) {
  CountingCommitter committer;
  auto stranded = std::make_shared<RecordingWaiter>(committer);
  {
    boost::asio::io_context io;
    CommitThenResume(io.get_executor(), committer, stranded);  // posted, never run
    EXPECT_GT(stranded.use_count(), 1);
  }
  EXPECT_EQ(stranded.use_count(), 1) << "the destroyed io_context's queue still holds the waiter";
  EXPECT_TRUE(stranded->resumed.empty());
  EXPECT_EQ(committer.commits, 0);

  boost::asio::io_context next;
  auto waiter = std::make_shared<RecordingWaiter>(committer);
  boost::asio::post(next, [&] { CommitThenResume(next.get_executor(), committer, waiter); });
  next.run();
  EXPECT_EQ(committer.commits, 1);
  ASSERT_EQ(waiter->resumed.size(), 1u);
  EXPECT_TRUE(waiter->resumed[0].ok());
  EXPECT_TRUE(stranded->resumed.empty());
}

// A stage that records where its BeforeCommit ran: how many commits were made before it, and
// whether the writes it would make there are deferred to the commit.
class RecordingStage final : public CommitStage {
 public:
  explicit RecordingStage(const CountingCommitter& c) : committer(c) {}
  void BeforeCommit() override {
    ++runs;
    commits_before = committer.commits;
    deferred = WriteDeferral::Active();
  }
  const CountingCommitter& committer;
  int runs = 0;
  int commits_before = -1;
  bool deferred = false;
};

TEST(GroupCommitTest, AStageRunsOnceBeforeTheCommitAndItsWaiters) {
  boost::asio::io_context io;
  CountingCommitter committer;
  RecordingStage stage(committer);
  auto a = std::make_shared<RecordingWaiter>(committer);
  auto b = std::make_shared<RecordingWaiter>(committer);
  boost::asio::post(io, [&] {
    StageForNextCommit(io.get_executor(), stage);
    CommitThenResume(io.get_executor(), committer, a);
  });
  boost::asio::post(io, [&] {
    StageForNextCommit(io.get_executor(), stage);  // registered again: runs again, same commit
    CommitThenResume(io.get_executor(), committer, b);
    EXPECT_EQ(stage.runs, 0) << "ran before the commit";
  });
  io.run();
  EXPECT_EQ(stage.runs, 2);
  EXPECT_EQ(stage.commits_before, 0);
  EXPECT_TRUE(stage.deferred);
  EXPECT_FALSE(WriteDeferral::Active());
  EXPECT_EQ(committer.commits, 1);
  for (auto* w : {a.get(), b.get()}) {
    ASSERT_EQ(w->resumed.size(), 1u);
    EXPECT_EQ(w->commits_seen, 1);
  }
}

TEST(GroupCommitTest, AStageAloneStillRuns) {
  boost::asio::io_context io;
  CountingCommitter committer;
  RecordingStage stage(committer);
  boost::asio::post(io, [&] { StageForNextCommit(io.get_executor(), stage); });
  io.run();
  EXPECT_EQ(stage.runs, 1);
  EXPECT_EQ(committer.commits, 0);  // no waiter named a committer
}

TEST(GroupCommitTest, AnIoContextDestroyedBeforeItsCommitDropsTheStageUnrun) {
  CountingCommitter committer;
  RecordingStage stage(committer);
  {
    boost::asio::io_context io;
    StageForNextCommit(io.get_executor(), stage);
  }
  EXPECT_EQ(stage.runs, 0);
}

TEST(DeferredRepliesTest, AFailedCommitReplacesOnlyTheRepliesOfDeferredWrites) {
  DeferredReplies replies;
  std::string out;
  const WriteDeferral deferral;
  auto command = [&](std::string_view reply, bool writes) {
    replies.Begin(out.size());
    if (writes) WriteDeferral::Note();
    out.append(reply);
    replies.End(out.size());
  };
  command("STORED\r\n", true);
  command("VALUE k 0 1\r\nv\r\nEND\r\n", false);
  command("", true);  // a noreply write
  command("STORED\r\n", true);
  EXPECT_FALSE(out.empty());
  ASSERT_TRUE(replies.pending());
  replies.Fail(out, "SERVER_ERROR x\r\n");
  EXPECT_EQ(out, "SERVER_ERROR x\r\nVALUE k 0 1\r\nv\r\nEND\r\nSERVER_ERROR x\r\n");
  EXPECT_FALSE(replies.pending());
}

TEST(DeferredRepliesTest, ReadsLeaveNothingPending) {
  DeferredReplies replies;
  replies.Begin(0);
  replies.End(5);
  EXPECT_FALSE(replies.pending());
}

}  // namespace
}  // namespace apicached::net
