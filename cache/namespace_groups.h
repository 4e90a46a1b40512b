// ForEachNamespaceGroup: the batches of a front's combined writes (redis ExecuteSets and
// RunCombined, memcached RunCombined): one group per namespace, in the order of each namespace's
// first write, each group in the writes' order. The keys of two namespaces are distinct, so
// writing one namespace's group before another's keeps the effect of running them in order (the
// last write of a key wins).
//
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace apicached::cache {

// Calls run(ns, indexes) once per distinct namespace of ns_of, with the indexes of the writes
// into it; an empty view is a write left out.
template <typename Run>
void ForEachNamespaceGroup(const std::vector<std::string_view>& ns_of, Run&& run) {
  std::vector<bool> done(ns_of.size(), false);
  std::vector<size_t> group;
  for (size_t i = 0; i < ns_of.size(); ++i) {
    if (done[i] || ns_of[i].empty()) continue;
    group.clear();
    for (size_t j = i; j < ns_of.size(); ++j) {
      if (done[j] || ns_of[j] != ns_of[i]) continue;
      done[j] = true;
      group.push_back(j);
    }
    run(ns_of[i], group);
  }
}

}  // namespace apicached::cache
