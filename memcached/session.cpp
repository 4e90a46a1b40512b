#include "memcached/session.h"

#include <algorithm>

#include "memcached/ascii_auth.h"
#include "memcached/replies.h"

namespace apicached::memcached {

using Kind = ParseResult::Kind;

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
    if (r.kind == Kind::kCommand) {
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

void Session::Committed(std::string& out, const Status& status) {
  if (status.ok()) return deferred_.Clear();
  deferred_.Fail(out, ErrorLine(status));
}

}  // namespace apicached::memcached
