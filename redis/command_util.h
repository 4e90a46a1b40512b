// Helpers the command files share: argument parsing with Redis's errors, expiry conversions and
// the cache-layer calls every group makes. Private to redis/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "redis/command.h"
#include "redis/errors.h"
#include "redis/resp_parser.h"

namespace apicached::redis {

inline constexpr cache::Protocol kRedis = cache::Protocol::kRedis;

// A Redis integer argument (string2ll); nullopt after which the caller answers kNotInteger.
inline std::optional<int64_t> IntArg(std::string_view s) {
  int64_t v = 0;
  if (!ParseInt64(s, v)) return std::nullopt;
  return v;
}

// Whole seconds from now_ms until at_ms, rounded up (the store keeps whole-second TTLs); 0 or
// less when at_ms is not in the future.
inline int64_t SecondsUntil(int64_t at_ms, int64_t now_ms) {
  if (at_ms <= now_ms) return 0;
  const int64_t left = at_ms - now_ms;
  return left / 1000 + (left % 1000 != 0 ? 1 : 0);
}

// Redis's expire argument rule (getExpireMillisecondsOrReply): `value` in `unit_ms` (1000 for
// seconds, 1 for ms), relative to now when `relative`; nullopt (answer InvalidExpire) when it
// is not positive or overflows. The integer check comes first (kNotInteger).
std::optional<int64_t> DeadlineMs(int64_t value, int64_t unit_ms, bool relative, int64_t now_ms);

// True (and reply set to the error) when the lifetime until at_ms is over the cache layer's
// max_ttl_seconds.
bool TtlTooLong(Context& ctx, int64_t at_ms, std::string_view command, Reply& reply);

inline Reply BulkOrNull(const std::optional<std::string>& v) {
  return v ? Reply::Bulk(*v) : Reply::Null();
}

// The key access of every command. Inside EXEC (ctx.staged) reads see the transaction's
// staged writes first and writes are staged (redis/staged_writes.h); else they are the cache
// layer's calls.

// The live item of key as the command sees it (nullopt: none); a counted lookup when read
// from the cache.
Result<std::optional<cache::Item>> ReadItem(Context& ctx, std::string_view key);

// ReadItem of each key, in order (one MultiGet for the keys the transaction did not write).
Result<std::vector<std::optional<cache::Item>>> ReadItems(Context& ctx,
                                                          std::span<const std::string_view> keys);

// CacheService::Mutate of key, or staged (a kPut or kTouch must name its expiry).
Result<std::optional<Entry>> MutateKey(Context& ctx, std::string_view key, const MutateFn& fn);

// The live value of key, nullopt when none; error set (and nullopt) when the call failed.
std::optional<std::string> GetValue(Context& ctx, std::string_view key, Reply& error);

}  // namespace apicached::redis
