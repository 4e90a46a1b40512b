// Session: the memcached protocol of one connection, without I/O: net::BufferedSession
// (net/buffered_session.h) does the connection's plumbing (one input buffer, one output buffer,
// one write per pipeline, timeouts, TLS) and calls it; this class parses every whole command
// buffered (memcached/parser.h) and runs each in order (memcached/executor.h).
//
// Bounds per connection: the input buffer holds at most one unfinished command (a line within
// ParserOptions' bounds, or a data block within max_item_bytes) plus one read; a refused data
// block is discarded as it arrives, never buffered; output stops being produced past
// max_pending_output until it is written (a pipeline of large gets cannot grow it without
// bound).
//
// Timeouts (net::Timeouts): idle while no command is in progress, read while one is partly
// received (a refused data block being discarded too), write for each write. A timeout closes the
// connection, as memcached's idle timeout.
//
// Group commit (net/group_commit.h): the commands of one Produce run inside a WriteDeferral; when
// they deferred writes, their replies wait for one commit (PendingCommit, Committed), and a
// failed commit answers each of those writes "SERVER_ERROR temporarily unavailable" instead (a
// noreply write's failure is not told, as no reply is). With combine_sets, a plain `set` that
// ends what a read brought is not run in Produce: it waits for the thread's commit, where the
// sets of every connection that ended so run as one store batch (net/commit_combiner.h); the
// connection runs nothing more until then.
//
// Authentication: when the Authenticator requires it at connection time, the connection must
// first pass memcached's ASCII authentication (memcached/ascii_auth.h).
//
// Thread safety: every method runs on the session's I/O thread (net::Session's contract).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "memcached/executor.h"
#include "memcached/parser.h"
#include "net/group_commit.h"

namespace apicached::memcached {

// Who may use a listener. The daemon implements it with its bearer token.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Whether a new connection must authenticate (asked once per connection).
  virtual bool Required() const = 0;
  // Whether these credentials pass (the user name may be ignored).
  virtual bool Check(std::string_view user, std::string_view password) const = 0;
};

struct SessionOptions {
  ParserOptions parser;
  size_t max_pending_output = 4 << 20;  // stop executing past this many unwritten bytes
  size_t read_bytes = 16 << 10;         // bytes asked for by each read
  // A plain `set` that ends what a read brought waits for the thread's next commit and runs
  // there, batched with other connections' (net/commit_combiner.h). Needs a caller that calls
  // StageWrites before it waits for the commit (net::BufferedSession does; the server turns
  // this on).
  bool combine_sets = false;
};

class Session {
 public:
  // executor, options and auth (may be null: no authentication) must outlive the session.
  Session(Executor& executor, const SessionOptions& options, const Authenticator* auth);

  // net::BufferedSession's protocol hooks.
  size_t Produce(std::string_view in, std::string& out, bool& close);
  bool CommandPending() const { return swallow_ > 0; }
  size_t ReadSize(size_t) const { return options_.read_bytes; }
  WriteCommitter* PendingCommit() {
    return deferred_.pending() || combining_ ? &executor_.committer() : nullptr;
  }
  // Hands the set that ended the last Produce to the thread's combiner; Committed appends its
  // reply. REQUIRES: PendingCommit() is not null; the caller then waits for the commit of `io`'s
  // thread.
  void StageWrites(const boost::asio::any_io_executor& io);
  void Committed(std::string& out, const Status& status);

 private:
  // One step on the bytes at the front of `in`: kNeedMore when nothing more can be done now.
  ParseResult Step(std::string_view in);

  Executor& executor_;
  const SessionOptions& options_;
  const Authenticator* auth_;
  bool authenticated_;
  uint64_t swallow_ = 0;  // bytes still to discard
  Request request_;
  net::DeferredReplies deferred_;
  Executor::HeldSet held_;  // the set held for the commit while combining_
  bool combining_ = false;
};

}  // namespace apicached::memcached
