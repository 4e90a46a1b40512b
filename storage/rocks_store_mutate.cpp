// RocksStore: the read-modify-writes of one key (Incr, Mutate).
#include <algorithm>
#include <charconv>

#include "storage/rocks_slices.h"
#include "storage/rocks_status.h"
#include "storage/rocks_store.h"

namespace apicached {

namespace {

Result<int64_t> ParseInteger(std::string_view text) {
  int64_t v = 0;
  const bool digits_only = !text.empty() && text.front() != '+' &&
                           std::all_of(text.begin() + (text.front() == '-' ? 1 : 0), text.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (!digits_only || ec != std::errc() || end != text.data() + text.size()) {
    return Status::Conflict("the stored value is not a signed 64-bit decimal integer");
  }
  return v;
}

}  // namespace

Result<int64_t> RocksStore::Incr(std::string_view ns, std::string_view key, int64_t delta,
                                 std::optional<int64_t> ttl_on_create) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  const int64_t now = clock_.NowMillis();
  auto expires_on_create = ExpiresAt(ns, ttl_on_create, now);
  if (!expires_on_create.ok()) return expires_on_create.status();
  auto n = registry_.FindOrCreate(ns);
  if (!n.ok()) return n.status();
  auto lock = locks_.Lock(ns, key);
  auto live = ReadLiveForWrite(**n, key, now);
  if (!live.ok()) return live.status();
  int64_t result = delta;
  int64_t expires_ms = 0;
  std::string content_type;
  uint32_t flags = 0;
  uint32_t grace = 0;
  // An entry in its grace period is past its TTL, kept for stale readers only: the counter
  // starts again, as every other write sees it.
  if (live->has_value() && (*live)->info.grace_seconds > 0 &&
      now >= (*live)->info.expires_ms - int64_t{(*live)->info.grace_seconds} * 1000) {
    live->reset();
  }
  if (live->has_value()) {
    auto current = ParseInteger((*live)->value);
    if (!current.ok()) return current.status();
    if (__builtin_add_overflow(*current, delta, &result)) {
      return Status::Conflict("adding " + std::to_string(delta) + " to " +
                              std::to_string(*current) + " overflows a signed 64-bit integer");
    }
    expires_ms = (*live)->info.expires_ms;
    content_type = std::move((*live)->content_type);
    flags = (*live)->info.flags;
    grace = (*live)->info.grace_seconds;
  } else {
    expires_ms = *expires_on_create;
  }
  auto written =
      WriteNew(**n, key, std::to_string(result), content_type, flags, expires_ms, now, grace);
  if (!written.ok()) return written.status();
  return result;
}

Result<std::optional<Entry>> RocksStore::Mutate(std::string_view ns, std::string_view key,
                                                const MutateFn& fn) {
  auto hold = Enter();
  if (!hold.ok()) return hold.status();
  if (Status s = ValidateAnyNamespace(ns); !s.ok()) return s;
  if (Status s = ValidateKey(key); !s.ok()) return s;
  // The stripe is held from the read to the write so that the callback's view stays current.
  // Creating the namespace may wait for a DropNamespace, which waits for operations that may be
  // waiting for this stripe: so the namespace is created without the stripe, and the callback
  // runs again on what is there then.
  for (;;) {
    auto lock = locks_.Lock(ns, key);
    const int64_t now = clock_.NowMillis();
    NamespaceRef n = registry_.Find(ns);
    std::optional<Entry> current;
    bool present = false;
    if (n) {
      auto live = ReadLiveForWrite(*n, key, now, &present);
      if (!live.ok()) return live.status();
      current = std::move(*live);
    }
    Result<Mutation> mutation = fn(current ? &*current : nullptr);
    if (!mutation.ok()) return mutation.status();
    switch (mutation->kind) {
      case Mutation::Kind::kKeep:
        return current;
      case Mutation::Kind::kDelete: {
        if (present) {
          rocksdb::Status s = Flushed(db_->Delete(write_options_, n->handle, ToSlice(key)));
          if (!s.ok()) return FromRocks(s, "deleting" + InNamespace(ns));
        }
        return std::optional<Entry>();
      }
      case Mutation::Kind::kTouch: {
        if (!current) return current;
        if (mutation->expires_at_ms) {
          current->info.expires_ms =
              WithGrace(*mutation->expires_at_ms, current->info.grace_seconds);
        } else {
          auto expires = ExpiresAt(ns, mutation->ttl_seconds, now);
          if (!expires.ok()) return expires.status();
          current->info.expires_ms = WithGrace(*expires, current->info.grace_seconds);
        }
        if (current->info.expires_ms == 0) current->info.grace_seconds = 0;
        if (Status s = WriteEncoded(*n, key, current->info, current->content_type, current->value);
            !s.ok()) {
          return s;
        }
        return current;
      }
      case Mutation::Kind::kPut:
        break;
    }
    Mutation& m = *mutation;
    const bool keep_expiry = m.keep_expiry && current.has_value();
    const bool absolute = !keep_expiry && m.expires_at_ms.has_value();
    if (Status s = ValidateWrite(key, m.value, m.content_type); !s.ok()) return s;
    const uint32_t grace = keep_expiry ? current->info.grace_seconds : m.grace_seconds;
    int64_t expires_ms = keep_expiry ? current->info.expires_ms
                         : absolute  ? WithGrace(*m.expires_at_ms, grace)
                                     : 0;
    if (!keep_expiry && !absolute) {
      auto expires = ExpiresAt(ns, m.ttl_seconds, now);
      if (!expires.ok()) return expires.status();
      expires_ms = WithGrace(*expires, grace);
    }
    if (!n) {
      lock.unlock();
      auto created = registry_.FindOrCreate(ns);
      if (!created.ok()) return created.status();
      continue;
    }
    auto info = WriteNew(*n, key, m.value, m.content_type, m.flags, expires_ms, now, grace);
    if (!info.ok()) return info.status();
    return std::optional<Entry>(Entry{
        .value = std::move(m.value), .content_type = std::move(m.content_type), .info = *info});
  }
}

}  // namespace apicached
