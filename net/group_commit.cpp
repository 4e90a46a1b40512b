#include "net/group_commit.h"

#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <utility>
#include <vector>

namespace apicached::net {
namespace {

struct Waiting {
  WriteCommitter* committer;
  std::shared_ptr<CommitWaiter> waiter;
};

thread_local uint64_t commits_on_thread = 0;

// The sessions of one io_context waiting for its next commit, as a service of that io_context:
// it lives exactly as long as the io_context, so a commit still queued when the io_context is
// destroyed cannot leave sessions behind it, or a stale "posted" that would keep the next
// io_context of the same thread from ever committing. shutdown() (the io_context's destruction,
// before its queued handlers are destroyed and while the sockets' services still work) releases
// the waiters. Used only by the one thread that runs the io_context (tcp_server.h).
class CommitQueue final : public boost::asio::execution_context::service {
 public:
  static inline boost::asio::execution_context::id id;

  explicit CommitQueue(boost::asio::execution_context& ctx)
      : boost::asio::execution_context::service(ctx) {}

  void Add(const boost::asio::any_io_executor& executor, WriteCommitter& committer,
           std::shared_ptr<CommitWaiter> waiter) {
    waiting_.push_back({&committer, std::move(waiter)});
    Post(executor);
  }

  void AddStage(const boost::asio::any_io_executor& executor, CommitStage& stage) {
    stages_.push_back(&stage);
    Post(executor);
  }

 private:
  void Post(const boost::asio::any_io_executor& executor) {
    if (posted_) return;
    posted_ = true;
    boost::asio::post(executor, [this] { CommitQueued(); });
  }

  void shutdown() override {
    stages_.clear();
    waiting_.clear();
    running_.clear();
    posted_ = false;
  }

  void CommitQueued() {
    posted_ = false;
    if (!stages_.empty()) {
      std::vector<CommitStage*> stages;
      stages.swap(stages_);
      const WriteDeferral deferral;  // made durable by the CommitWrites below
      for (CommitStage* stage : stages) stage->BeforeCommit();
    }
    running_.swap(waiting_);
    // Usually one committer (one store behind every session of a thread): one commit.
    std::vector<std::pair<WriteCommitter*, Status>> done;
    for (const Waiting& w : running_) {
      if (!w.waiter->NeedsCommit()) continue;
      bool seen = false;
      for (const auto& d : done) seen = seen || d.first == w.committer;
      if (!seen) {
        done.emplace_back(w.committer, w.committer->CommitWrites());
        ++commits_on_thread;
      }
    }
    for (Waiting& w : running_) {
      if (!w.waiter->NeedsCommit()) {
        w.waiter->Resume(Status::Ok());
      } else {
        for (const auto& d : done) {
          if (d.first == w.committer) w.waiter->Resume(d.second);
        }
      }
      w.waiter.reset();
    }
    running_.clear();
  }

  std::vector<CommitStage*> stages_;
  std::vector<Waiting> waiting_;
  std::vector<Waiting> running_;  // kept to reuse its capacity
  bool posted_ = false;           // a CommitQueued is queued on the io_context
};

}  // namespace

void CommitThenResume(const boost::asio::any_io_executor& executor, WriteCommitter& committer,
                      std::shared_ptr<CommitWaiter> waiter) {
  boost::asio::execution_context& ctx =
      boost::asio::query(executor, boost::asio::execution::context);
  boost::asio::use_service<CommitQueue>(ctx).Add(executor, committer, std::move(waiter));
}

void StageForNextCommit(const boost::asio::any_io_executor& executor, CommitStage& stage) {
  boost::asio::execution_context& ctx =
      boost::asio::query(executor, boost::asio::execution::context);
  boost::asio::use_service<CommitQueue>(ctx).AddStage(executor, stage);
}

uint64_t CommitsOnThisThread() {
  return commits_on_thread;
}

void DeferredReplies::Fail(std::string& out, std::string_view error_reply) {
  std::string rewritten;
  rewritten.reserve(out.size());
  size_t from = 0;
  for (const auto& [begin, end] : ranges_) {
    rewritten.append(out, from, begin - from);
    if (end > begin) rewritten.append(error_reply);
    from = end;
  }
  rewritten.append(out, from, std::string::npos);
  out.swap(rewritten);
  ranges_.clear();
}

}  // namespace apicached::net
