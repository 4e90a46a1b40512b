// MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queued commands run at EXEC one after the other while
// the executor holds its lock exclusively (EXEC's kExclusive flag): no other Redis command runs
// in between. WATCH remembers each key's version and expiry; EXEC runs nothing and answers a
// null array when any of them changed (a write from any front changes the version).
#include "redis/command_util.h"
#include "redis/executor.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

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
    Reply error;
    const auto now = KeyState(ctx, w.ns, w.key, error);
    if (error.is_error() || now != w.seen) {
      EndTransaction(c);
      return Reply::NullArray();
    }
  }
  std::vector<Argv> queued = std::move(c.queued);
  EndTransaction(c);
  std::vector<Reply> replies;
  replies.reserve(queued.size());
  for (const Argv& argv : queued) replies.push_back(ctx.executor.RunQueued(c, argv));
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
