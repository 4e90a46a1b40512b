// Session: the Redis protocol of one connection, without I/O: net::BufferedSession
// (net/buffered_session.h) does the connection's plumbing (one input buffer, one output buffer,
// one write per pipeline, timeouts, TLS) and calls it; this class parses every whole command
// buffered (redis/resp_parser.h), runs each in order (redis/executor.h) and renders the replies
// (redis/resp_writer.h).
//
// A protocol error is answered with Redis's error and the connection is closed after it, as
// Redis does; QUIT closes after its +OK.
//
// Bounds per connection: the parser's (RespParserOptions: bulk, array, inline line, command
// bytes); output stops being produced past max_pending_output until it is written, so a pipeline
// of large GETs cannot grow it without bound.
//
// Group commit (net/group_commit.h): the commands of one Produce run inside a WriteDeferral; when
// they deferred writes, their replies wait for one commit (PendingCommit, Committed), and a
// failed commit answers each of those commands "-ERR apicached store temporarily unavailable"
// instead (EXEC and scripts as a whole).
//
// Pipelined SETs: consecutive plain `SET key value` commands of one Produce run as one batch
// (Executor::ExecuteSets), up to max_batched_sets of them or max_batch_bytes of keys and values;
// any other command runs after the batch before it, so every command sees the writes of those
// before it. With combine_sets, the SETs that end what a read brought are not run in Produce:
// they wait for the thread's commit, where the SETs of every connection that ended so run
// together (redis/set_combiner.h); the connection runs nothing more until then.
//
// Timeouts (net::Timeouts): idle while no command is partly received (0: none, Redis's default
// `timeout 0`), read while one is, write for each write. A timeout closes the connection.
//
// Thread safety: every method runs on the session's I/O thread (net::Session's contract).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "net/group_commit.h"
#include "redis/client_state.h"
#include "redis/executor.h"
#include "redis/resp_parser.h"

namespace apicached::redis {

struct SessionOptions {
  RespParserOptions parser;
  size_t max_pending_output = 4 << 20;  // stop executing past this many unwritten bytes
  size_t read_bytes = 16 << 10;         // bytes asked for by each read (more for a large bulk)
  size_t max_batched_sets = 64;         // consecutive SETs run as one batch (1: none)
  size_t max_batch_bytes = 1 << 20;     // ... or until their keys and values reach this
  // The SETs that end a pipeline wait for the thread's next commit and run there, batched with
  // other connections' (redis/set_combiner.h). Needs a caller that calls StageWrites before it
  // waits for the commit (net::BufferedSession does; the server turns this on).
  bool combine_sets = false;
};

class Session {
 public:
  // executor and options must outlive the session.
  Session(Executor& executor, const SessionOptions& options);

  // net::BufferedSession's protocol hooks.
  size_t Produce(std::string_view in, std::string& out, bool& close);
  bool CommandPending() const { return parser_.in_command(); }
  size_t ReadSize(size_t buffered) const;
  WriteCommitter* PendingCommit() {
    return deferred_.pending() || sets_held_ > 0 ? &executor_.cache() : nullptr;
  }
  // Hands the SETs that ended the last Produce to the thread's SetCombiner; their replies are
  // appended by Committed. REQUIRES: PendingCommit() is not null; the caller then waits for the
  // commit of `io`'s thread.
  void StageWrites(const boost::asio::any_io_executor& io);
  void Committed(std::string& out, const Status& status);

 private:
  Executor& executor_;
  const SessionOptions& options_;
  RespParser parser_;
  ClientState client_;
  // Runs the SETs held in sets_ and appends their replies.
  void RunSets(std::string& out);
  // Forgets the SETs held (run), keeping their memory unless large.
  void ReleaseSets();

  Argv argv_;
  net::DeferredReplies deferred_;
  // The first sets_held_ are SETs not yet run (the rest: reused). Between Produce calls, only
  // those held for the commit (combine_sets): StageWrites hands them on, Committed answers them.
  std::vector<Argv> sets_;
  size_t sets_held_ = 0;
  size_t sets_bytes_ = 0;  // keys and values of the SETs held
  std::vector<Reply> set_replies_;
};

}  // namespace apicached::redis
