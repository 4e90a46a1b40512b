#include "cache/keyspace_figures.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

namespace apicached::cache {

Result<KeyspaceFigures> CountKeyspace(CacheService& cache, std::string_view ns,
                                      const KeyspaceOptions& options) {
  auto figures = cache.GetNamespace(ns);
  if (!figures.ok()) {
    if (figures.status().code() == Code::kNotFound) return KeyspaceFigures{};
    return figures.status();
  }
  // The estimate counts overwritten versions and deleted keys until a compaction drops them (2x
  // the keys after each was written twice): a namespace it puts up to kEstimateSlack times over
  // the limit is read up to the limit, and counted exactly if it ends there.
  constexpr uint64_t kEstimateSlack = 4;
  const uint64_t limit =
      std::min(options.exact_up_to, std::numeric_limits<uint64_t>::max() / kEstimateSlack);
  const bool try_exact = figures->approx_live_keys <= limit * kEstimateSlack;
  const uint64_t budget = try_exact ? limit + 1 : options.sample_keys;
  const int64_t now_ms = cache.clock().NowMillis();
  uint64_t read = 0, with_ttl = 0;
  int64_t ttl_sum_ms = 0;
  std::optional<std::string> after;
  do {
    auto page = cache.Scan(ns, "", after, options.page_keys);
    if (!page.ok()) return page.status();
    for (const auto& [key, entry] : page->entries) {
      if (read == budget) break;
      ++read;
      if (entry.info.expires_ms != 0) {
        ++with_ttl;
        ttl_sum_ms += std::max<int64_t>(entry.info.expires_ms - now_ms, 0);
      }
    }
    after = read < budget ? page->next_after : std::nullopt;
  } while (after);
  KeyspaceFigures out;
  out.avg_ttl_ms = with_ttl == 0 ? 0 : ttl_sum_ms / static_cast<int64_t>(with_ttl);
  if (try_exact && read <= limit) {
    out.keys = read;
    out.expires = with_ttl;
  } else {
    out.keys = std::max<uint64_t>(figures->approx_live_keys, read);
    out.expires = read == 0 ? 0 : out.keys * with_ttl / read;
  }
  return out;
}

}  // namespace apicached::cache
