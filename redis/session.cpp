#include "redis/session.h"

#include <algorithm>

#include "redis/errors.h"
#include "redis/resp_writer.h"

namespace apicached::redis {

using Kind = RespParser::Result::Kind;

Session::Session(Executor& executor, const SessionOptions& options)
    : executor_(executor),
      options_(options),
      parser_(options.parser),
      client_(executor.NewClient()) {}

// A large bulk arrives in larger reads (up to 1 MiB each).
size_t Session::ReadSize(size_t buffered) const {
  return std::clamp(buffered, options_.read_bytes, size_t{1} << 20);
}

size_t Session::Produce(std::string_view in, std::string& out, bool& close) {
  const WriteDeferral deferral;
  size_t pos = 0;
  while (!close && out.size() < options_.max_pending_output) {
    const RespParser::Result r = parser_.Parse(in.substr(pos), !client_.authenticated, argv_);
    pos += r.consumed;
    if (r.kind == Kind::kNeedMore) break;
    if (r.kind == Kind::kError) {
      if (!r.error.empty()) AppendReply(Reply::Error(r.error), client_.resp, out);
      close = true;
      break;
    }
    deferred_.Begin(out.size());
    const Reply reply = executor_.Execute(client_, argv_);  // may switch client_.resp (HELLO)
    AppendReply(reply, client_.resp, out);
    deferred_.End(out.size());
    if (client_.close_after_reply) close = true;
  }
  return pos;
}

void Session::Committed(std::string& out, const Status& status) {
  if (status.ok()) return deferred_.Clear();
  std::string error;
  AppendReply(err::FromStatus(status), client_.resp, error);
  deferred_.Fail(out, error);
}

}  // namespace apicached::redis
