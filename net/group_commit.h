// Group commit for the fronts (docs/storage.md, "Group commit"): the writes that the sessions of
// one I/O thread make in one turn of its event loop are made durable by ONE
// WriteCommitter::CommitWrites() before any of their replies leaves, as Redis writes its AOF
// buffer once per event-loop turn, before it sends the replies of the writes.
//
// A session runs its requests inside a WriteDeferral (storage/write_deferral.h). When they
// deferred a write (WriteDeferral::Count() moved), it holds their replies and calls
// CommitThenResume: the first such call of a turn posts one commit to the thread's executor (it
// runs after the handlers already queued, such as the other connections' reads that completed in
// the same turn), which calls CommitWrites() once per committer and then Resume(status) of every
// waiting session in the order they came. On an error every one of them gets it, and must answer
// each write it holds with an error instead of its reply (DeferredReplies::Fail does that for a
// byte stream): none is acknowledged.
//
// Thread safety: CommitThenResume is called on an I/O thread, with the executor of the io_context
// that this thread alone runs; the queue belongs to that io_context (destroying it with a commit
// still queued releases the waiters unresumed), and Resume runs on the same thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/status.h"
#include "storage/write_deferral.h"

namespace apicached::net {

class CommitWaiter {
 public:
  virtual ~CommitWaiter() = default;
  // The commit covering the waiter's writes returned `status`.
  virtual void Resume(const Status& status) = 0;
  // Asked once the commit's stages ran: false when the waiter has nothing to make durable after
  // all (a held write that failed there). Such a waiter is resumed with Ok and no CommitWrites()
  // of its own: one after a store error would only add RocksDB's echo of that error.
  virtual bool NeedsCommit() const { return true; }
};

// Writes a front holds back to run them together at the thread's next commit, before the
// store's commit (docs/storage.md, "Group commit"): the plain SETs of many Redis connections
// become one store batch. BeforeCommit runs inside a WriteDeferral, once per registration, after
// the handlers queued before the commit and before any CommitWrites() and Resume() of that
// commit; its writes are then made durable with the waiters'. A stage that holds writes must
// keep their waiters waiting (CommitThenResume): they are resumed only after BeforeCommit.
class CommitStage {
 public:
  virtual ~CommitStage() = default;
  virtual void BeforeCommit() = 0;
};

// Runs stage.BeforeCommit() at the next commit of the io_context that `executor` runs (posting
// one if none is queued). REQUIRES: called on that io_context's I/O thread; stage outlives the
// io_context or that commit (destroying the io_context drops the registration unrun).
void StageForNextCommit(const boost::asio::any_io_executor& executor, CommitStage& stage);

// REQUIRES: called on the I/O thread that `executor` runs.
void CommitThenResume(const boost::asio::any_io_executor& executor, WriteCommitter& committer,
                      std::shared_ptr<CommitWaiter> waiter);

// Commits made by CommitThenResume on the calling thread since it started (for tests).
uint64_t CommitsOnThisThread();

// The replies of the deferred writes in one output buffer of a byte-stream protocol (memcached,
// Redis), so that a failed commit can answer each of them with an error instead.
class DeferredReplies {
 public:
  // Around each command whose reply is appended to out.
  void Begin(size_t out_size) {
    start_ = out_size;
    count_ = WriteDeferral::Count();
  }
  void End(size_t out_size) {
    if (WriteDeferral::Count() != count_) ranges_.emplace_back(start_, out_size);
  }
  // Records out[start, end) as the reply of a write deferred apart from Begin/End (one of a
  // batch of commands run together).
  void Add(size_t start, size_t end) { ranges_.emplace_back(start, end); }
  // Whether a command since the last Clear deferred a write.
  bool pending() const { return !ranges_.empty(); }
  // Replaces each recorded reply in out with error_reply (a reply that was empty, a noreply or
  // quiet command's, stays empty), then clears. REQUIRES: out holds the recorded replies where
  // they were appended.
  void Fail(std::string& out, std::string_view error_reply);
  void Clear() { ranges_.clear(); }

 private:
  size_t start_ = 0;
  uint64_t count_ = 0;
  std::vector<std::pair<size_t, size_t>> ranges_;
};

}  // namespace apicached::net
