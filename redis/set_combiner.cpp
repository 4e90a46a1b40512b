#include "redis/set_combiner.h"

#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>

namespace apicached::redis {

SetCombiner::SetCombiner(boost::asio::execution_context& ctx)
    : boost::asio::execution_context::service(ctx) {}

SetCombiner& SetCombiner::Of(const boost::asio::any_io_executor& io) {
  boost::asio::execution_context& ctx = boost::asio::query(io, boost::asio::execution::context);
  return boost::asio::use_service<SetCombiner>(ctx);
}

void SetCombiner::Add(const boost::asio::any_io_executor& io, Executor& executor,
                      ClientState& client, const std::vector<Argv>& sets, size_t count,
                      std::vector<Reply>& replies) {
  if (count == 0) return;
  if (held_.empty()) net::StageForNextCommit(io, *this);
  replies.resize(count);
  for (size_t i = 0; i < count; ++i) held_.push_back({&executor, {&client, &sets[i], &replies[i]}});
}

void SetCombiner::BeforeCommit() {
  std::vector<Held> held;
  held.swap(held_);
  // Usually one executor (one Redis listener per io_context); each runs its own, in order.
  for (size_t i = 0; i < held.size(); ++i) {
    Executor* executor = held[i].executor;
    if (executor == nullptr) continue;
    run_.clear();
    for (size_t j = i; j < held.size(); ++j) {
      if (held[j].executor != executor) continue;
      run_.push_back(held[j].set);
      held[j].executor = nullptr;
    }
    executor->ExecuteCombined(run_);
  }
  held.clear();
  if (held_.empty()) held_.swap(held);  // keeps the capacity
}

void SetCombiner::shutdown() {
  held_.clear();
}

}  // namespace apicached::redis
