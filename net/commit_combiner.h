// CommitCombiner: writes that the connections of one I/O thread leave at the end of what a read
// brought, in one turn of its event loop, held and run together at the thread's next commit
// (CommitStage) instead of one store write per connection (docs/storage.md, "Group commit").
// Their connections are waiting for that commit anyway: a write is acknowledged only once it is
// durable, so holding it until then delays no reply. A front holds only writes that end its
// connection's input; the connection runs nothing more before the commit, so it sees its own
// writes; another connection meanwhile sees the keys as they were, as if it had come first.
//
// Runner::RunCombined(std::vector<Item>&) runs the held items of one runner (a front's executor),
// in the order they were added, and writes each item's reply where the item says; a front's
// session appends those replies when the commit resumes it.
//
// Thread safety: one per io_context and instantiation (an io_context service); used only by the
// thread that runs it. What an Item points to must stay untouched until the commit has run
// BeforeCommit (its session waits for that commit) or the io_context is destroyed (the items are
// then dropped unrun).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>
#include <utility>
#include <vector>

#include "net/group_commit.h"

namespace apicached::net {

template <typename Runner, typename Item>
class CommitCombiner final : public boost::asio::execution_context::service, public CommitStage {
 public:
  static inline boost::asio::execution_context::id id;

  explicit CommitCombiner(boost::asio::execution_context& ctx)
      : boost::asio::execution_context::service(ctx) {}

  // The combiner of the io_context that `io` runs. REQUIRES: called on its I/O thread.
  static CommitCombiner& Of(const boost::asio::any_io_executor& io) {
    boost::asio::execution_context& ctx = boost::asio::query(io, boost::asio::execution::context);
    return boost::asio::use_service<CommitCombiner>(ctx);
  }

  // Holds `item` for `runner` until the next commit of `io`'s thread. REQUIRES: the caller waits
  // for that commit (CommitThenResume) before it reads the item's reply.
  void Add(const boost::asio::any_io_executor& io, Runner& runner, Item item) {
    if (held_.empty()) StageForNextCommit(io, *this);
    held_.emplace_back(&runner, std::move(item));
  }

  void BeforeCommit() override {
    std::vector<std::pair<Runner*, Item>> held;
    held.swap(held_);
    // Usually one runner (one listener per io_context); each runs its own items, in order.
    for (size_t i = 0; i < held.size(); ++i) {
      Runner* runner = held[i].first;
      if (runner == nullptr) continue;
      run_.clear();
      for (size_t j = i; j < held.size(); ++j) {
        if (held[j].first != runner) continue;
        run_.push_back(std::move(held[j].second));
        held[j].first = nullptr;
      }
      runner->RunCombined(run_);
    }
    held.clear();
    if (held_.empty()) held_.swap(held);  // keeps the capacity
  }

 private:
  void shutdown() override { held_.clear(); }

  std::vector<std::pair<Runner*, Item>> held_;
  std::vector<Item> run_;  // kept to reuse its capacity
};

}  // namespace apicached::net
