// StagingConnection: a front's protocol session (redis::Session, memcached::Session) driven as
// net::BufferedSession drives it, without sockets: Produce, then, when a commit is pending,
// StageWrites and wait for the io_context's commit; Resume answers. For the tests of held writes
// (net/commit_combiner.h).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "net/group_commit.h"

namespace apicached::testing {

template <typename ProtocolSession>
class StagingConnection final
    : public net::CommitWaiter,
      public std::enable_shared_from_this<StagingConnection<ProtocolSession>> {
 public:
  template <typename... Args>
  static std::shared_ptr<StagingConnection> Make(Args&&... args) {
    return std::shared_ptr<StagingConnection>(new StagingConnection(std::forward<Args>(args)...));
  }

  // Runs `in` (every command of it whole) as a handler of io's current turn.
  void Produce(boost::asio::io_context& io, std::string_view in) {
    bool close = false;
    EXPECT_EQ(session.Produce(in, out, close), in.size());
    if (WriteCommitter* committer = session.PendingCommit()) {
      session.StageWrites(io.get_executor());
      waiting = true;
      net::CommitThenResume(io.get_executor(), *committer, this->shared_from_this());
    }
  }

  void Resume(const Status& status) override {
    session.Committed(out, status);
    waiting = false;
  }

  ProtocolSession session;
  std::string out;       // every reply so far
  bool waiting = false;  // for a commit

 private:
  template <typename... Args>
  explicit StagingConnection(Args&&... args) : session(std::forward<Args>(args)...) {}
};

}  // namespace apicached::testing
