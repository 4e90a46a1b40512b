#include "memcached/session.h"

#include <algorithm>

#include "memcached/ascii_auth.h"
#include "memcached/replies.h"
#include "net/commit_combiner.h"

namespace apicached::memcached {

using Kind = ParseResult::Kind;
using SetCombiner = net::CommitCombiner<Executor, Executor::HeldSet*>;

namespace {

// A held set's value buffer kept for the next one holds at most this much memory.
constexpr size_t kKeptHeldBytes = 16 << 10;

}  // namespace

Session::Session(Executor& executor, const SessionOptions& options, const Authenticator* auth)
    : executor_(executor),
      options_(options),
      auth_(auth),
      authenticated_(auth == nullptr || !auth->Required()) {}

ParseResult Session::Step(std::string_view in) {
  if (authenticated_) return Parse(in, options_.parser, request_);
  AuthAttempt a = ParseAuth(in, options_.parser);
  if (a.result.kind == Kind::kCommand) {
    // Answered here: a passed authentication is memcached's "STORED".
    authenticated_ = auth_->Check(a.user, a.password);
    a.result.kind = Kind::kReply;
    a.result.reply = authenticated_ ? reply::kStored : reply::kAuthFailure;
  }
  return a.result;
}

size_t Session::Produce(std::string_view in, std::string& out, bool& close) {
  const WriteDeferral deferral;
  size_t pos = 0;
  while (!close) {
    if (swallow_ > 0) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(swallow_, in.size() - pos));
      pos += n;
      swallow_ -= n;
      if (swallow_ > 0) break;
    }
    if (pos == in.size() || out.size() >= options_.max_pending_output) break;
    const ParseResult r = Step(in.substr(pos));
    if (r.kind == Kind::kNeedMore) break;
    out.append(r.reply);
    if (r.kind == Kind::kClose) {
      close = true;
      break;
    }
    if (r.kind == Kind::kCommand && options_.combine_sets && pos + r.consumed == in.size() &&
        r.swallow == 0 && executor_.CombinableSet(request_)) {
      // The last command buffered: held for the commit (StageWrites), answered by Committed.
      held_.key.assign(request_.key);
      held_.data.assign(request_.data);
      held_.flags = request_.client_flags;
      held_.exptime = request_.exptime;
      held_.noreply = request_.noreply;
      combining_ = true;
    } else if (r.kind == Kind::kCommand) {
      deferred_.Begin(out.size());
      if (executor_.Execute(request_, out) == Executor::After::kClose) close = true;
      deferred_.End(out.size());
    }
    pos += r.consumed;
    swallow_ = r.swallow;
  }
  return pos;
}

}  // namespace apicached::memcached

namespace apicached::memcached {

void Session::StageWrites(const boost::asio::any_io_executor& io) {
  if (combining_) SetCombiner::Of(io).Add(io, executor_, &held_);
}

void Session::Committed(std::string& out, const Status& status) {
  if (status.ok()) {
    deferred_.Clear();
  } else {
    deferred_.Fail(out, ErrorLine(status));
  }
  if (!combining_) return;
  combining_ = false;
  // The held set ran at the commit (Executor::RunCombined). Refused on its own, it keeps its
  // error; stored, it stands only if the commit succeeded (a noreply set is told nothing).
  const bool stored = held_.reply == reply::kStored || held_.reply.empty();
  out.append(!status.ok() && stored && !held_.noreply ? ErrorLine(status) : held_.reply);
  // Kept for the next set, but not the memory of a large value.
  if (held_.data.capacity() > kKeptHeldBytes) std::string().swap(held_.data);
}

}  // namespace apicached::memcached
