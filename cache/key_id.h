// The one string that names a key of a namespace in the cache layer's RAM tables (LeaseTable,
// KeyWatches): the namespace, a NUL, the key. Namespace names hold no NUL (CheckNamespace), so
// the id is unambiguous for any key bytes. Private to cache/.
#pragma once

#include <string>
#include <string_view>

namespace apicached::cache {

inline std::string KeyId(std::string_view ns, std::string_view key) {
  std::string id;
  id.reserve(ns.size() + 1 + key.size());
  id.append(ns).push_back('\0');
  id.append(key);
  return id;
}

}  // namespace apicached::cache
