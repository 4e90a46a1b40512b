// Group commit (docs/storage.md, "Group commit"): a front that holds its replies until a batch of
// writes is durable opens a WriteDeferral on its thread; the Store writes it makes there skip the
// per-write flush of the write-ahead log, and the front calls WriteCommitter::CommitWrites() once
// before any reply of those writes leaves.
//
// The default, without a WriteDeferral on the calling thread, is unchanged: every Store write is
// durable (written to the operating system, and fsynced with StoreOptions::sync_writes) when it
// returns. So only code that opens a WriteDeferral can acknowledge a write early, and it must
// not (see CommitWrites).
//
// A deferred write is applied (readers see it) before it is durable, as Redis shows a write
// before its AOF buffer is written. A write the store makes on another thread (a background
// task, a wrapping store's helper thread) is not deferred.
//
// Thread safety: a WriteDeferral belongs to the thread that made it and must be destroyed there;
// Active() and Count() read the calling thread's state only.
#pragma once

#include <cstdint>

#include "storage/status.h"

namespace apicached {

class WriteDeferral {
 public:
  WriteDeferral() { ++depth_; }
  ~WriteDeferral() { --depth_; }
  WriteDeferral(const WriteDeferral&) = delete;
  WriteDeferral& operator=(const WriteDeferral&) = delete;

  // Whether the calling thread is inside a WriteDeferral (they nest).
  static bool Active() { return depth_ > 0; }
  // Writes this thread has deferred since it started (monotonic): a caller compares it before and
  // after a call to learn whether the call left a write to commit.
  static uint64_t Count() { return deferred_; }
  // For Store implementations: one write was applied and its flush deferred.
  static void Note() { ++deferred_; }

 private:
  static thread_local int depth_;
  static thread_local uint64_t deferred_;
};

// Makes writes durable.
class WriteCommitter {
 public:
  virtual ~WriteCommitter() = default;
  // Makes every write applied before the call, deferred or not and by any thread, as durable as
  // an undeferred write (written to the operating system; fsynced with sync_writes). Ok when
  // there was nothing to do. Unavailable when the log cannot be written: none of the deferred
  // writes may then be acknowledged (they may be lost in a crash; the store stops accepting
  // writes until it recovers, as after any write error).
  virtual Status CommitWrites() = 0;
};

}  // namespace apicached
