#include "redis/command_util.h"

#include <limits>

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

std::optional<std::string> GetValue(Context& ctx, std::string_view key, Reply& error) {
  Result<cache::Item> item = ctx.cache.Get(kRedis, ctx.NamespaceOf(key), key);
  if (item.ok()) return std::move(item->value);
  if (item.status().code() != Code::kNotFound) error = err::FromStatus(item.status());
  return std::nullopt;
}

}  // namespace apicached::redis
