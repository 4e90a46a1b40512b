#include "redis/session.h"

#include <algorithm>

#include "redis/errors.h"
#include "redis/resp_writer.h"
#include "redis/set_combiner.h"

namespace apicached::redis {

using Kind = RespParser::Result::Kind;

namespace {

// An argument vector kept for the next batch holds at most this much memory.
constexpr size_t kKeptArgvBytes = 16 << 10;

}  // namespace

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
      RunSets(out);
      if (!r.error.empty()) AppendReply(Reply::Error(r.error), client_.resp, out);
      close = true;
      break;
    }
    if (options_.max_batched_sets > 1 && executor_.BatchableSet(client_, argv_)) {
      if (sets_.size() == sets_held_) sets_.emplace_back();
      std::swap(argv_, sets_[sets_held_]);  // both keep their strings' capacity
      sets_bytes_ += sets_[sets_held_][1].size() + sets_[sets_held_][2].size();
      ++sets_held_;
      if (sets_held_ == options_.max_batched_sets || sets_bytes_ >= options_.max_batch_bytes)
        RunSets(out);
      continue;
    }
    RunSets(out);
    deferred_.Begin(out.size());
    const Reply reply = executor_.Execute(client_, argv_);  // may switch client_.resp (HELLO)
    AppendReply(reply, client_.resp, out);
    deferred_.End(out.size());
    if (client_.close_after_reply) close = true;
  }
  if (!options_.combine_sets || close) RunSets(out);  // else held for the commit
  return pos;
}

void Session::StageWrites(const boost::asio::any_io_executor& io) {
  if (sets_held_ == 0) return;
  set_replies_.resize(sets_held_);
  SetCombiner& combiner = SetCombiner::Of(io);
  for (size_t i = 0; i < sets_held_; ++i) {
    combiner.Add(io, executor_, {&client_, &sets_[i], &set_replies_[i]});
  }
}

void Session::RunSets(std::string& out) {
  if (sets_held_ == 0) return;
  const uint64_t deferred_before = WriteDeferral::Count();
  set_replies_.clear();
  executor_.ExecuteSets(client_, sets_, sets_held_, set_replies_);
  ReleaseSets();
  const bool deferred = WriteDeferral::Count() != deferred_before;
  for (const Reply& reply : set_replies_) {
    const size_t start = out.size();
    AppendReply(reply, client_.resp, out);
    // A SET refused on its own (an error reply) wrote nothing: a failed commit leaves it be.
    if (deferred && !reply.is_error()) deferred_.Add(start, out.size());
  }
}

void Session::ReleaseSets() {
  // Kept for the next batch, but not the memory of large values.
  for (size_t i = 0; i < sets_held_; ++i) {
    if (sets_[i][1].capacity() + sets_[i][2].capacity() > kKeptArgvBytes) Argv().swap(sets_[i]);
  }
  sets_held_ = 0;
  sets_bytes_ = 0;
}

void Session::Committed(std::string& out, const Status& status) {
  std::string error;
  if (status.ok()) {
    deferred_.Clear();
  } else {
    AppendReply(err::FromStatus(status), client_.resp, error);
    deferred_.Fail(out, error);
  }
  if (sets_held_ == 0) return;
  // The combined SETs ran at the commit (SetCombiner::BeforeCommit); they end the output. A SET
  // refused on its own keeps its error; the others stand only if the commit succeeded.
  for (size_t i = 0; i < sets_held_; ++i) {
    const Reply& reply = set_replies_[i];
    if (!status.ok() && !reply.is_error()) {
      out.append(error);
    } else {
      AppendReply(reply, client_.resp, out);
    }
  }
  ReleaseSets();
}

}  // namespace apicached::redis
