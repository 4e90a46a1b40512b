// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX XX GT LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME and
// PERSIST (Redis 7.0.15's expire.c). Deadlines are kept to the millisecond (the store's
// Mutation::expires_at_ms), as Redis keeps them.
#include <limits>

#include "redis/command_util.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

enum ExpireFlag : unsigned { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

Reply ExpireGeneric(Context& ctx, const Argv& argv, bool absolute, int64_t unit_ms,
                    std::string_view name) {
  unsigned flags = 0;
  for (size_t j = 3; j < argv.size(); ++j) {
    const std::string& opt = argv[j];
    if (IEquals(opt, "nx")) {
      flags |= kNx;
    } else if (IEquals(opt, "xx")) {
      flags |= kXx;
    } else if (IEquals(opt, "gt")) {
      flags |= kGt;
    } else if (IEquals(opt, "lt")) {
      flags |= kLt;
    } else {
      return Reply::Error("ERR Unsupported option " + opt.substr(0, opt.find('\0')));
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) {
    return err::Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if ((flags & kGt) && (flags & kLt)) {
    return err::Error("ERR GT and LT options at the same time are not compatible");
  }
  const std::optional<int64_t> v = IntArg(argv[2]);
  if (!v) return err::Error(err::kNotInteger);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  int64_t when = *v;
  if (unit_ms == 1000) {
    if (when > kMax / 1000 || when < kMin / 1000) return err::InvalidExpire(name);
    when *= 1000;
  }
  const int64_t now = ctx.now_ms();
  const int64_t base = absolute ? 0 : now;
  if (when > kMax - base) return err::InvalidExpire(name);
  when += base;

  const std::string& key = argv[1];
  int64_t answer = 0;
  Reply error;
  auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
    if (current == nullptr) return Mutation::Keep();
    const int64_t cur = current->info.expires_ms == 0 ? -1 : current->info.expires_ms;
    if (((flags & kNx) && cur != -1) || ((flags & kXx) && cur == -1) ||
        ((flags & kGt) && (when <= cur || cur == -1)) ||
        ((flags & kLt) && cur != -1 && when >= cur)) {
      return Mutation::Keep();
    }
    if (when <= now) {
      answer = 1;
      return Mutation::Delete();
    }
    if (TtlTooLong(ctx, when, name, error)) return Mutation::Keep();
    answer = 1;
    Mutation m = Mutation::Touch(0);
    m.expires_at_ms = when;
    return m;
  });
  if (!r.ok()) return err::FromStatus(r.status());
  if (error.is_error()) return error;
  return Reply::Integer(answer);
}

// TTL and friends: -2 no key, -1 no expiry, else the time left (ms or s, rounded as Redis) or
// the deadline (absolute).
Reply TtlGeneric(Context& ctx, const Argv& argv, bool ms, bool absolute) {
  Result<std::optional<cache::Item>> item = ReadItem(ctx, argv[1]);
  if (!item.ok()) return err::FromStatus(item.status());
  if (!*item) return Reply::Integer(-2);
  const int64_t expires = (*item)->meta.expires_ms;
  if (expires == 0) return Reply::Integer(-1);
  int64_t ttl = absolute ? expires : expires - ctx.now_ms();
  if (ttl < 0) ttl = 0;
  return Reply::Integer(ms ? ttl : (ttl + 500) / 1000);
}

}  // namespace

Reply Expire(Context& ctx, const Argv& argv) {
  return ExpireGeneric(ctx, argv, false, 1000, "expire");
}
Reply PExpire(Context& ctx, const Argv& argv) {
  return ExpireGeneric(ctx, argv, false, 1, "pexpire");
}
Reply ExpireAt(Context& ctx, const Argv& argv) {
  return ExpireGeneric(ctx, argv, true, 1000, "expireat");
}
Reply PExpireAt(Context& ctx, const Argv& argv) {
  return ExpireGeneric(ctx, argv, true, 1, "pexpireat");
}
Reply Ttl(Context& ctx, const Argv& argv) {
  return TtlGeneric(ctx, argv, false, false);
}
Reply PTtl(Context& ctx, const Argv& argv) {
  return TtlGeneric(ctx, argv, true, false);
}
Reply ExpireTime(Context& ctx, const Argv& argv) {
  return TtlGeneric(ctx, argv, false, true);
}
Reply PExpireTime(Context& ctx, const Argv& argv) {
  return TtlGeneric(ctx, argv, true, true);
}

Reply Persist(Context& ctx, const Argv& argv) {
  int64_t answer = 0;
  auto r = MutateKey(ctx, argv[1], [&](const Entry* current) -> Result<Mutation> {
    if (current == nullptr || current->info.expires_ms == 0) {
      return Mutation::Keep();
    }
    answer = 1;
    return Mutation::Touch(0);
  });
  if (!r.ok()) return err::FromStatus(r.status());
  return Reply::Integer(answer);
}

}  // namespace apicached::redis::cmd
