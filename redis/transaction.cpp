// MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queued commands run at EXEC one after the other while
// the executor holds its lock exclusively (EXEC's kExclusive flag): no other Redis command runs
// in between. Their writes are staged (redis/staged_writes.h) and applied at the end as ONE
// atomic batch: all or none, also across a crash or a store error. When the batch fails, every
// reply of the transaction is the store's error. When it fails because an HTTP or memcached
// writer changed a key the transaction read (PreconditionFailed), nothing was applied and no
// reply was sent: the commands run again on the new state, up to kAttempts times.
//
// A command flagged kUnstaged (KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL, INFO, a script) reads or
// clears the store itself: the writes staged before it are applied first, as one batch, and
// the commands after it form the next batch (docs/redis.md).
//
// WATCH remembers each key's version and expiry and watches it (cache/key_watches.h); EXEC runs
// nothing and answers a null array when any of them differs or a write from any front changed
// the key in between (also one undone since: set, then deleted again).
#include <algorithm>

#include "redis/command_util.h"
#include "redis/executor.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

// How often a batch of a transaction is run when other protocols' writers keep changing its
// keys in between (each run reads the new state; a conflict needs a write between a read and
// the batch, a few microseconds apart).
constexpr int kAttempts = 3;

// Runs queued[from, to) with their writes staged, into replies, and applies the writes as one
// batch; runs them again on a conflict. The batch's error when it failed.
Status RunBatch(Context& ctx, const std::vector<Argv>& queued, size_t from, size_t to,
                std::vector<Reply>& replies) {
  ClientState& c = ctx.client;
  const int64_t db = c.db;  // a SELECT of the batch runs again from where it began
  for (int attempt = 1;; ++attempt) {
    StagedWrites staged(ctx.cache);
    for (size_t i = from; i < to; ++i) replies[i] = ctx.executor.RunQueued(c, queued[i], &staged);
    Status s = staged.Commit();
    if (s.code() != Code::kPreconditionFailed || attempt == kAttempts) return s;
    c.db = db;
  }
}

// The key's (version, expires_ms), nullopt when it has no live entry; error set on failure.
std::optional<std::pair<uint64_t, int64_t>> KeyState(Context& ctx, std::string_view ns,
                                                     std::string_view key, Reply& error) {
  Result<cache::Item> item = ctx.cache.Get(kRedis, ns, key);
  if (item.ok()) return std::make_pair(item->meta.version, item->meta.expires_ms);
  if (item.status().code() != Code::kNotFound) error = err::FromStatus(item.status());
  return std::nullopt;
}

void EndTransaction(ClientState& c) {
  c.in_multi = false;
  c.multi_failed = false;
  c.queued.clear();
  c.watched.clear();
}

}  // namespace

Reply Multi(Context& ctx, const Argv&) {
  if (ctx.client.in_multi) return err::Error("ERR MULTI calls can not be nested");
  ctx.client.in_multi = true;
  return Reply::Ok();
}

Reply Exec(Context& ctx, const Argv&) {
  ClientState& c = ctx.client;
  if (!c.in_multi) return err::Error("ERR EXEC without MULTI");
  if (c.multi_failed) {
    EndTransaction(c);
    return err::Error(err::kExecAbort);
  }
  for (const WatchedKey& w : c.watched) {
    Reply error;  // a key a write changed since needs no read
    if (w.watch.changed() || KeyState(ctx, w.ns, w.key, error) != w.seen || error.is_error()) {
      EndTransaction(c);
      return Reply::NullArray();
    }
  }
  std::vector<Argv> queued = std::move(c.queued);
  EndTransaction(c);
  std::vector<Reply> replies(queued.size());
  for (size_t i = 0; i < queued.size();) {
    if (ctx.executor.RunsUnstaged(queued[i])) {
      replies[i] = ctx.executor.RunQueued(c, queued[i], nullptr);
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < queued.size() && !ctx.executor.RunsUnstaged(queued[end])) ++end;
    if (Status s = RunBatch(ctx, queued, i, end, replies); !s.ok()) {
      // Nothing of this batch was applied and nothing after it runs.
      std::fill(replies.begin() + static_cast<ptrdiff_t>(i), replies.end(), err::FromStatus(s));
      break;
    }
    i = end;
  }
  return Reply::Array(std::move(replies));
}

Reply Discard(Context& ctx, const Argv&) {
  if (!ctx.client.in_multi) return err::Error("ERR DISCARD without MULTI");
  EndTransaction(ctx.client);
  return Reply::Ok();
}

Reply Watch(Context& ctx, const Argv& argv) {
  if (ctx.client.in_multi) return err::Error("ERR WATCH inside MULTI is not allowed");
  for (size_t i = 1; i < argv.size(); ++i) {
    WatchedKey w;
    w.ns = std::string(ctx.NamespaceOf(argv[i]));
    w.key = argv[i];
    w.watch = ctx.cache.WatchKey(w.ns, w.key);  // before the read: a later write is seen
    Reply error;
    w.seen = KeyState(ctx, w.ns, w.key, error);
    if (error.is_error()) return error;
    ctx.client.watched.push_back(std::move(w));
  }
  return Reply::Ok();
}

Reply Unwatch(Context& ctx, const Argv&) {
  ctx.client.watched.clear();
  return Reply::Ok();
}

}  // namespace apicached::redis::cmd
