// SetCombiner: the plain SETs that the Redis connections of one I/O thread leave at the end of
// their pipelines in one turn of its event loop, run as one store batch at the thread's next
// commit (net::CommitStage) instead of one RocksDB write per connection (docs/redis.md,
// "Pipelines"). Their connections are waiting for that commit anyway: a SET is acknowledged only
// once it is durable (net/group_commit.h), so holding it until then delays no reply. Every other
// command still runs at once, and a connection runs nothing more before its SETs' commit, so it
// sees its own writes; another connection meanwhile sees the keys as they were, as it would if
// its command had come first.
//
// Thread safety: one per io_context (an io_context service); used only by the thread that runs
// it. What Add is given must stay untouched until the commit has run BeforeCommit (the session
// waits for that commit) or the io_context is destroyed (the sets are then dropped unrun).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>
#include <vector>

#include "net/group_commit.h"
#include "redis/executor.h"

namespace apicached::redis {

class SetCombiner final : public boost::asio::execution_context::service, public net::CommitStage {
 public:
  static inline boost::asio::execution_context::id id;

  explicit SetCombiner(boost::asio::execution_context& ctx);

  // The combiner of the io_context that `io` runs. REQUIRES: called on its I/O thread.
  static SetCombiner& Of(const boost::asio::any_io_executor& io);

  // Holds the first `count` SETs of `sets` (each passed executor.BatchableSet for client) for
  // the next commit; their replies go to (*replies)[0, count) then. REQUIRES: the caller waits
  // for that commit (net::CommitThenResume) before it reads the replies or touches the rest.
  void Add(const boost::asio::any_io_executor& io, Executor& executor, ClientState& client,
           const std::vector<Argv>& sets, size_t count, std::vector<Reply>& replies);

  void BeforeCommit() override;

 private:
  void shutdown() override;

  struct Held {
    Executor* executor;
    Executor::HeldSet set;
  };
  std::vector<Held> held_;
  std::vector<Executor::HeldSet> run_;  // kept to reuse its capacity
};

}  // namespace apicached::redis
