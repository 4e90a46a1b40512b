#include "redis/command_util.h"

#include <limits>

#include "redis/staged_writes.h"

namespace apicached::redis {

std::optional<int64_t> DeadlineMs(int64_t value, int64_t unit_ms, bool relative, int64_t now_ms) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (value <= 0 || (unit_ms > 1 && value > kMax / unit_ms)) return std::nullopt;
  int64_t ms = value * unit_ms;
  if (relative) {
    if (ms > kMax - now_ms) return std::nullopt;
    ms += now_ms;
  }
  return ms;
}

bool TtlTooLong(Context& ctx, int64_t at_ms, std::string_view command, Reply& reply) {
  const int64_t seconds = SecondsUntil(at_ms, ctx.now_ms());
  if (seconds <= 0 || ctx.cache.CheckTtlSeconds(seconds).ok()) return false;
  reply = err::InvalidExpire(command);
  return true;
}

namespace {

cache::Item ItemOf(const Entry& e) {
  cache::Item item;
  item.value = e.value;
  item.content_type = e.content_type;
  item.meta.flags = e.info.flags;
  item.meta.version = e.info.version;
  item.meta.created_ms = e.info.created_ms;
  item.meta.expires_ms = e.info.expires_ms;
  item.meta.size = e.value.size();
  return item;
}

std::optional<cache::Item> ItemOf(const std::optional<Entry>& e) {
  if (!e) return std::nullopt;
  return ItemOf(*e);
}

}  // namespace

Result<std::optional<cache::Item>> ReadItem(Context& ctx, std::string_view key) {
  const std::string_view ns = ctx.NamespaceOf(key);
  if (ctx.staged != nullptr) {
    if (const std::optional<Entry>* e = ctx.staged->Find(ns, key)) return ItemOf(*e);
  }
  Result<cache::Item> item = ctx.cache.Get(kRedis, ns, key);
  if (!item.ok() && item.status().code() != Code::kNotFound) return item.status();
  if (ctx.staged != nullptr) {
    Status s = ctx.staged->Observed(ns, key, item.ok() ? &*item : nullptr);
    if (!s.ok()) return s;
  }
  if (!item.ok()) return std::optional<cache::Item>();
  return std::optional<cache::Item>(std::move(*item));
}

Result<std::vector<std::optional<cache::Item>>> ReadItems(Context& ctx,
                                                          std::span<const std::string_view> keys) {
  std::vector<std::optional<cache::Item>> out(keys.size());
  std::vector<cache::KeyRef> ask;  // the keys read from the cache
  std::vector<size_t> where;       // their places in out
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string_view ns = ctx.NamespaceOf(keys[i]);
    const std::optional<Entry>* staged =
        ctx.staged != nullptr ? ctx.staged->Find(ns, keys[i]) : nullptr;
    if (staged != nullptr) {
      out[i] = ItemOf(*staged);
    } else {
      ask.push_back({ns, keys[i]});
      where.push_back(i);
    }
  }
  if (ask.empty()) return out;
  auto items = ctx.cache.MultiGet(kRedis, ask);
  if (!items.ok()) return items.status();
  for (size_t j = 0; j < ask.size(); ++j) {
    std::optional<cache::Item>& item = (*items)[j];
    if (ctx.staged != nullptr) {
      Status s = ctx.staged->Observed(ask[j].ns, ask[j].key, item ? &*item : nullptr);
      if (!s.ok()) return s;
    }
    out[where[j]] = std::move(item);
  }
  return out;
}

Result<std::optional<Entry>> MutateKey(Context& ctx, std::string_view key, const MutateFn& fn) {
  const std::string_view ns = ctx.NamespaceOf(key);
  if (ctx.staged != nullptr) return ctx.staged->Mutate(ns, key, fn);
  return ctx.cache.Mutate(kRedis, ns, key, fn);
}

std::optional<std::string> GetValue(Context& ctx, std::string_view key, Reply& error) {
  Result<std::optional<cache::Item>> item = ReadItem(ctx, key);
  if (!item.ok()) {
    error = err::FromStatus(item.status());
    return std::nullopt;
  }
  if (!*item) return std::nullopt;
  return std::move((*item)->value);
}

}  // namespace apicached::redis
