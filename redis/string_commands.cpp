// GET, SET and the other plain string commands (Redis 7.0.15's t_string.c behaviour).
#include <map>
#include <vector>

#include "redis/command_util.h"
#include "redis/handlers.h"
#include "redis/staged_writes.h"

namespace apicached::redis::cmd {
namespace {

enum SetFlag : unsigned {
  kNx = 1,
  kXx = 2,
  kGetOld = 4,
  kKeepTtl = 8,
  kPersist = 16,
  kEx = 32,
  kPx = 64,
  kExAt = 128,
  kPxAt = 256,
};
constexpr unsigned kAnyExpire = kEx | kPx | kExAt | kPxAt;

struct ExtendedArgs {
  unsigned flags = 0;
  const std::string* expire = nullptr;  // the EX/PX/EXAT/PXAT argument
};

// Redis's parseExtendedStringArgumentsOrReply for SET (is_set) and GETEX: the same option
// conflicts, each a syntax error.
bool ParseExtended(const Argv& argv, bool is_set, ExtendedArgs& out) {
  for (size_t j = is_set ? 3 : 2; j < argv.size(); ++j) {
    const std::string& opt = argv[j];
    const bool has_next = j + 1 < argv.size();
    const unsigned f = out.flags;
    if (is_set && IEquals(opt, "nx") && !(f & kXx)) {
      out.flags |= kNx;
    } else if (is_set && IEquals(opt, "xx") && !(f & kNx)) {
      out.flags |= kXx;
    } else if (is_set && IEquals(opt, "get")) {
      out.flags |= kGetOld;
    } else if (is_set && IEquals(opt, "keepttl") && !(f & (kPersist | kAnyExpire))) {
      out.flags |= kKeepTtl;
    } else if (!is_set && IEquals(opt, "persist") && !(f & (kAnyExpire | kKeepTtl))) {
      out.flags |= kPersist;
    } else if (has_next && !(f & (kKeepTtl | kPersist)) &&
               ((IEquals(opt, "ex") && !(f & (kExAt | kPx | kPxAt))) ||
                (IEquals(opt, "px") && !(f & (kEx | kExAt | kPxAt))) ||
                (IEquals(opt, "exat") && !(f & (kEx | kPx | kPxAt))) ||
                (IEquals(opt, "pxat") && !(f & (kEx | kExAt | kPx))))) {
      out.flags |= IEquals(opt, "ex")     ? kEx
                   : IEquals(opt, "px")   ? kPx
                   : IEquals(opt, "exat") ? kExAt
                                          : kPxAt;
      out.expire = &argv[++j];
    } else {
      return false;
    }
  }
  return true;
}

// The deadline (Unix ms) of an EX/PX/EXAT/PXAT argument at now_ms; nullopt with not_integer
// set when it is no integer, else nullopt when it is not a valid expire time.
std::optional<int64_t> ArgumentDeadline(const ExtendedArgs& a, int64_t now_ms, bool& not_integer) {
  const std::optional<int64_t> v = IntArg(*a.expire);
  not_integer = !v;
  if (!v) return std::nullopt;
  const bool seconds = (a.flags & (kEx | kExAt)) != 0;
  const bool relative = (a.flags & (kEx | kPx)) != 0;
  return DeadlineMs(*v, seconds ? 1000 : 1, relative, now_ms);
}

// The deadline of an EX/PX/EXAT/PXAT argument, or an error reply.
std::optional<int64_t> ExtendedDeadline(Context& ctx, const ExtendedArgs& a,
                                        std::string_view command, Reply& error) {
  bool not_integer = false;
  const std::optional<int64_t> at = ArgumentDeadline(a, ctx.now_ms(), not_integer);
  if (!at) {
    error = not_integer ? err::Error(err::kNotInteger) : err::InvalidExpire(command);
    return std::nullopt;
  }
  if (TtlTooLong(ctx, *at, command, error)) return std::nullopt;
  return at;
}

// Redis values are written with no content type and flags 0 (docs/redis.md); at_ms: an exact
// deadline, nullopt: never expires.
Mutation PutValue(std::string value, std::optional<int64_t> at_ms, bool keep_expiry) {
  Mutation m;
  m.kind = Mutation::Kind::kPut;
  m.value = std::move(value);
  m.ttl_seconds = 0;
  m.expires_at_ms = at_ms;
  m.keep_expiry = keep_expiry;
  return m;
}

// WriteValue inside EXEC: a kSet is staged without reading the key.
Status StageValue(Context& ctx, std::string_view key, std::string_view value, cache::WriteMode mode,
                  std::optional<int64_t> at_ms) {
  const std::string_view ns = ctx.NamespaceOf(key);
  if (mode == cache::WriteMode::kSet) {
    return ctx.staged->Put(ns, key, std::string(value), at_ms.value_or(0));
  }
  Status refused = Status::Ok();
  auto r = ctx.staged->Mutate(ns, key, [&](const Entry* current) -> Result<Mutation> {
    if (mode == cache::WriteMode::kAdd && current != nullptr) {
      refused = Status::AlreadyExists("NX");
      return Mutation::Keep();
    }
    if (mode == cache::WriteMode::kReplace && current == nullptr) {
      refused = Status::NotFound("XX");
      return Mutation::Keep();
    }
    return PutValue(std::string(value), at_ms, false);
  });
  return r.ok() ? refused : r.status();
}

// A plain write of key (no old value needed): mode kSet, kAdd (NX) or kReplace (XX), with
// expiry (at_ms: the same deadline in Unix ms, nullopt: never). Returns the status: Ok,
// AlreadyExists / NotFound when the condition failed, or an error.
Status WriteValue(Context& ctx, std::string_view key, std::string_view value, cache::WriteMode mode,
                  cache::Expiry expiry, std::optional<int64_t> at_ms) {
  if (ctx.staged != nullptr) return StageValue(ctx, key, value, mode, at_ms);
  cache::WriteRequest req;
  req.mode = mode;
  req.data = value;
  req.expiry = expiry;
  return ctx.cache.Write(kRedis, ctx.NamespaceOf(key), key, req).status();
}

// A plain SET with an exact deadline (Unix ms) after now: one store write, no read first.
Status WriteValueAt(Context& ctx, std::string_view key, std::string_view value, int64_t at_ms) {
  const std::string_view ns = ctx.NamespaceOf(key);
  if (ctx.staged != nullptr) return ctx.staged->Put(ns, key, std::string(value), at_ms);
  std::vector<PutItem> items(1);
  items[0].key = key;
  items[0].value = value;
  items[0].ttl_seconds = 0;
  items[0].expires_at_ms = at_ms;
  return ctx.cache.MultiSet(kRedis, ns, items).status();
}

Reply ConditionalReply(const Status& s, Reply on_ok, Reply on_refused) {
  if (s.ok()) return on_ok;
  if (s.code() == Code::kAlreadyExists || s.code() == Code::kNotFound) return on_refused;
  return err::FromStatus(s);
}

// SET with GET, KEEPTTL or a deadline kept to the millisecond: one read-modify-write.
Reply SetMutating(Context& ctx, const Argv& argv, unsigned flags, std::optional<int64_t> at) {
  const std::string& key = argv[1];
  std::optional<std::string> old;
  bool refused = false;
  const int64_t now = ctx.now_ms();
  auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
    if (current != nullptr) old = current->value;
    if (((flags & kNx) && current) || ((flags & kXx) && !current)) {
      refused = true;
      return Mutation::Keep();
    }
    if (at && *at <= now) return Mutation::Delete();
    return PutValue(argv[2], at, (flags & kKeepTtl) != 0);
  });
  if (!r.ok()) return err::FromStatus(r.status());
  if (flags & kGetOld) return BulkOrNull(old);
  return refused ? Reply::Null() : Reply::Ok();
}

// SETEX/PSETEX: key, a positive lifetime in unit_ms, value.
Reply SetWithLifetime(Context& ctx, const Argv& argv, int64_t unit_ms, std::string_view name) {
  const std::optional<int64_t> v = IntArg(argv[2]);
  if (!v) return err::Error(err::kNotInteger);
  const std::optional<int64_t> at = DeadlineMs(*v, unit_ms, true, ctx.now_ms());
  Reply error;
  if (!at) return err::InvalidExpire(name);
  if (TtlTooLong(ctx, *at, name, error)) return error;
  if (unit_ms != 1000) {
    const Status s = WriteValueAt(ctx, argv[1], argv[3], *at);
    return s.ok() ? Reply::Ok() : err::FromStatus(s);
  }
  return ConditionalReply(
      WriteValue(ctx, argv[1], argv[3], cache::WriteMode::kSet, cache::Expiry::After(*v), at),
      Reply::Ok(), Reply::Ok());
}

// Replaces or deletes the value of key (GETSET, GETDEL), answering the old one.
Reply SwapValue(Context& ctx, std::string_view key, std::optional<std::string> value) {
  std::optional<std::string> old;
  auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
    if (current == nullptr) {
      return value ? PutValue(*value, std::nullopt, false) : Mutation::Keep();
    }
    old = current->value;
    return value ? PutValue(*value, std::nullopt, false) : Mutation::Delete();
  });
  if (!r.ok()) return err::FromStatus(r.status());
  return BulkOrNull(old);
}

}  // namespace

std::optional<int64_t> BatchableSetDeadline(const cache::CacheService& cache, const Argv& argv,
                                            int64_t now_ms) {
  if (argv.size() == 3) return 0;
  ExtendedArgs a;
  if (argv.size() != 5 || !ParseExtended(argv, true, a) || (a.flags & ~kAnyExpire) != 0) {
    return std::nullopt;
  }
  bool not_integer = false;
  const std::optional<int64_t> at = ArgumentDeadline(a, now_ms, not_integer);
  if (!at) return std::nullopt;
  const int64_t lifetime = SecondsUntil(*at, now_ms);
  if (lifetime > 0 && !cache.CheckTtlSeconds(lifetime).ok()) return std::nullopt;
  return at;
}

Reply Get(Context& ctx, const Argv& argv) {
  Reply error;
  std::optional<std::string> v = GetValue(ctx, argv[1], error);
  if (error.is_error()) return error;
  return BulkOrNull(v);
}

Reply Set(Context& ctx, const Argv& argv) {
  ExtendedArgs a;
  if (!ParseExtended(argv, true, a)) return err::Error(err::kSyntax);
  std::optional<int64_t> at;
  if (a.expire != nullptr) {
    Reply error;
    at = ExtendedDeadline(ctx, a, "set", error);
    if (!at) return error;
  }
  // GET and KEEPTTL need the entry as it is, and so does a deadline already past (it deletes
  // the key, as Redis does) and NX/XX with a deadline to the millisecond: one
  // read-modify-write. A plain SET with PX, EXAT or PXAT is one write with its exact deadline;
  // no expiry and EX (whole seconds from now are exact there) go through Write.
  const bool exact = (a.flags & (kPx | kExAt | kPxAt)) != 0;
  if ((a.flags & (kGetOld | kKeepTtl)) != 0 || (at && *at <= ctx.now_ms()) ||
      (exact && (a.flags & (kNx | kXx)) != 0)) {
    return SetMutating(ctx, argv, a.flags, at);
  }
  if (exact) {
    const Status s = WriteValueAt(ctx, argv[1], argv[2], *at);
    return s.ok() ? Reply::Ok() : err::FromStatus(s);
  }
  const cache::WriteMode mode = (a.flags & kNx)   ? cache::WriteMode::kAdd
                                : (a.flags & kXx) ? cache::WriteMode::kReplace
                                                  : cache::WriteMode::kSet;
  const cache::Expiry expiry =
      at ? cache::Expiry::After(*IntArg(*a.expire)) : cache::Expiry::Never();
  return ConditionalReply(WriteValue(ctx, argv[1], argv[2], mode, expiry, at), Reply::Ok(),
                          Reply::Null());
}

Reply SetEx(Context& ctx, const Argv& argv) {
  return SetWithLifetime(ctx, argv, 1000, "setex");
}

Reply PSetEx(Context& ctx, const Argv& argv) {
  return SetWithLifetime(ctx, argv, 1, "psetex");
}

Reply SetNx(Context& ctx, const Argv& argv) {
  return ConditionalReply(WriteValue(ctx, argv[1], argv[2], cache::WriteMode::kAdd,
                                     cache::Expiry::Never(), std::nullopt),
                          Reply::Integer(1), Reply::Integer(0));
}

Reply GetSet(Context& ctx, const Argv& argv) {
  return SwapValue(ctx, argv[1], argv[2]);
}

Reply GetDel(Context& ctx, const Argv& argv) {
  return SwapValue(ctx, argv[1], std::nullopt);
}

Reply GetEx(Context& ctx, const Argv& argv) {
  ExtendedArgs a;
  if (!ParseExtended(argv, false, a)) return err::Error(err::kSyntax);
  const std::string& key = argv[1];
  std::optional<std::string> value;
  Reply error;
  const int64_t now = ctx.now_ms();
  // As Redis: a missing key answers nil before the expire argument is looked at.
  auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
    if (current == nullptr) return Mutation::Keep();
    if (a.expire != nullptr) {
      const std::optional<int64_t> at = ExtendedDeadline(ctx, a, "getex", error);
      if (!at) return Mutation::Keep();
      value = current->value;
      if (*at <= now) return Mutation::Delete();
      Mutation m = Mutation::Touch(0);
      m.expires_at_ms = at;
      return m;
    }
    value = current->value;
    // As Redis: PERSIST of a key without a TTL writes nothing (WATCH sees no change).
    if ((a.flags & kPersist) && current->info.expires_ms != 0) return Mutation::Touch(0);
    return Mutation::Keep();
  });
  if (!r.ok()) return err::FromStatus(r.status());
  if (error.is_error()) return error;
  return BulkOrNull(value);
}

Reply MGet(Context& ctx, const Argv& argv) {
  const std::vector<std::string_view> keys(argv.begin() + 1, argv.end());
  auto items = ReadItems(ctx, keys);
  if (!items.ok()) return err::FromStatus(items.status());
  std::vector<Reply> out;
  out.reserve(items->size());
  for (std::optional<cache::Item>& item : *items) {
    out.push_back(item ? Reply::Bulk(std::move(item->value)) : Reply::Null());
  }
  return Reply::Array(std::move(out));
}

// MSET: one atomic batch per namespace; the executor runs it alone (no other Redis command
// sees half of it).
Reply MSet(Context& ctx, const Argv& argv) {
  if (argv.size() % 2 == 0) return err::WrongArity("mset");
  std::map<std::string_view, std::vector<PutItem>> by_ns;
  if (ctx.staged != nullptr) {
    for (size_t i = 1; i + 1 < argv.size(); i += 2) {
      Status s = ctx.staged->Put(ctx.NamespaceOf(argv[i]), argv[i], argv[i + 1], 0);
      if (!s.ok()) return err::FromStatus(s);
    }
    return Reply::Ok();
  }
  for (size_t i = 1; i + 1 < argv.size(); i += 2) {
    PutItem item;
    item.key = argv[i];
    item.value = argv[i + 1];
    item.ttl_seconds = 0;  // never expires, as a Redis SET
    by_ns[ctx.NamespaceOf(argv[i])].push_back(std::move(item));
  }
  for (const auto& [ns, items] : by_ns) {
    auto r = ctx.cache.MultiSet(kRedis, ns, items);
    if (!r.ok()) return err::FromStatus(r.status());
  }
  return Reply::Ok();
}

Reply MSetNx(Context& ctx, const Argv& argv) {
  if (argv.size() % 2 == 0) return err::WrongArity("msetnx");
  std::vector<std::string_view> keys;
  for (size_t i = 1; i < argv.size(); i += 2) keys.push_back(argv[i]);
  auto items = ReadItems(ctx, keys);
  if (!items.ok()) return err::FromStatus(items.status());
  for (const auto& item : *items) {
    if (item) return Reply::Integer(0);
  }
  const Reply r = MSet(ctx, argv);
  return r.is_error() ? r : Reply::Integer(1);
}

Reply Append(Context& ctx, const Argv& argv) {
  if (ctx.staged != nullptr) {
    auto r = MutateKey(ctx, argv[1], [&](const Entry* current) -> Result<Mutation> {
      if (current == nullptr) return PutValue(argv[2], std::nullopt, false);
      Mutation m = PutValue(current->value + argv[2], std::nullopt, true);
      m.content_type = current->content_type;
      m.flags = current->info.flags;
      return m;
    });
    if (!r.ok()) return err::FromStatus(r.status());
    return Reply::Integer(*r ? static_cast<int64_t>((*r)->value.size()) : 0);
  }
  cache::WriteRequest req;
  req.mode = cache::WriteMode::kAppend;
  req.data = argv[2];
  req.vivify = true;
  req.expiry = cache::Expiry::Never();
  auto r = ctx.cache.Write(kRedis, ctx.NamespaceOf(argv[1]), argv[1], req);
  if (!r.ok()) return err::FromStatus(r.status());
  return Reply::Integer(static_cast<int64_t>(r->meta.size));
}

Reply StrLen(Context& ctx, const Argv& argv) {
  Reply error;
  std::optional<std::string> v = GetValue(ctx, argv[1], error);
  if (error.is_error()) return error;
  return Reply::Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

}  // namespace apicached::redis::cmd
