#include "net/group_commit.h"

#include <boost/asio/post.hpp>

namespace apicached::net {
namespace {

struct Waiting {
  WriteCommitter* committer;
  std::shared_ptr<CommitWaiter> waiter;
};

// The thread's sessions waiting for the next commit; posted: a commit is queued.
struct Queue {
  std::vector<Waiting> waiting;
  std::vector<Waiting> running;  // kept to reuse its capacity
  bool posted = false;
  uint64_t commits = 0;
};

thread_local Queue queue;

void CommitQueued() {
  Queue& q = queue;
  q.posted = false;
  q.running.swap(q.waiting);
  // Usually one committer (one store behind every session of a thread): one commit.
  std::vector<std::pair<WriteCommitter*, Status>> done;
  for (const Waiting& w : q.running) {
    bool seen = false;
    for (const auto& d : done) seen = seen || d.first == w.committer;
    if (!seen) {
      done.emplace_back(w.committer, w.committer->CommitWrites());
      ++q.commits;
    }
  }
  for (Waiting& w : q.running) {
    for (const auto& d : done) {
      if (d.first == w.committer) w.waiter->Resume(d.second);
    }
    w.waiter.reset();
  }
  q.running.clear();
}

}  // namespace

void CommitThenResume(const boost::asio::any_io_executor& executor, WriteCommitter& committer,
                      std::shared_ptr<CommitWaiter> waiter) {
  Queue& q = queue;
  q.waiting.push_back({&committer, std::move(waiter)});
  if (q.posted) return;
  q.posted = true;
  boost::asio::post(executor, [] { CommitQueued(); });
}

uint64_t CommitsOnThisThread() {
  return queue.commits;
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
