#include "memcached/meta_expiry.h"

#include "memcached/expiry.h"

namespace apicached::memcached {

size_t FlagPosition(const Request& request, char f) {
  for (size_t i = 0; i < request.meta_flags.size(); ++i) {
    if (request.meta_flags[i][0] == f) return i;
  }
  return request.meta_flags.size();
}

std::optional<int32_t> ExptimeBefore(const Request& request, size_t pos, bool created) {
  const size_t t = FlagPosition(request, 'T');
  const size_t n = created ? FlagPosition(request, 'N') : request.meta_flags.size();
  const bool t_before = request.ttl && t < pos;
  const bool n_before = request.vivify_ttl && n < pos;
  if (t_before && (!n_before || t > n)) return *request.ttl;
  if (n_before) return *request.vivify_ttl;
  return std::nullopt;
}

int32_t CreatedExptime(const Request& request) {
  return ExptimeBefore(request, request.meta_flags.size(), /*created=*/true).value_or(0);
}

int64_t TtlOfExptime(int32_t exptime, int64_t now_ms) {
  if (exptime == 0) return -1;
  if (exptime < 0) return 0;
  if (exptime <= kMaxRelativeExptime) return exptime;
  const int64_t left_ms = int64_t{exptime} * 1000 - now_ms;
  return left_ms <= 0 ? 0 : (left_ms + 999) / 1000;
}

std::optional<int64_t> TtlBefore(const Request& request, size_t pos, bool created, int64_t now_ms) {
  const std::optional<int32_t> exptime = ExptimeBefore(request, pos, created);
  if (!exptime) return std::nullopt;
  return TtlOfExptime(*exptime, now_ms);
}

std::optional<int64_t> RecacheThresholdSeconds(int32_t recache, int64_t now_ms) {
  const int64_t ttl = TtlOfExptime(recache, now_ms);
  if (ttl <= 0) return std::nullopt;
  return ttl;
}

}  // namespace apicached::memcached
