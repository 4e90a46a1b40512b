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
  const bool exact = figures->approx_live_keys <= options.exact_up_to;
  const uint64_t budget = exact ? std::numeric_limits<uint64_t>::max() : options.sample_keys;
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
  if (exact) {
    out.keys = read;
    out.expires = with_ttl;
  } else {
    out.keys = figures->approx_live_keys;
    out.expires = read == 0 ? 0 : out.keys * with_ttl / read;
  }
  return out;
}

}  // namespace apicached::cache
