#include "evict/write_guards.h"

#include <algorithm>

namespace apicached {

std::vector<std::unique_lock<std::mutex>> WriteGuards::LockStripes(std::vector<size_t> stripes) {
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::unique_lock<std::mutex>> held;
  held.reserve(stripes.size());
  for (size_t stripe : stripes) held.emplace_back(stripes_[stripe]);
  return held;
}

}  // namespace apicached
