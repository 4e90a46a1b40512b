// Which namespace a key of a protocol without namespaces (memcached, and next Redis) lands in.
//
// The rule, deterministic and documented in docs/memcached.md:
//   1. the key's first ':'-separated field, when it names a configured key namespace
//      ("migo:ruc_123" -> migo);
//   2. else, for a key of Django's shape "<KEY_PREFIX>:<VERSION>:<rest>" (VERSION all digits,
//      KEY_PREFIX possibly empty), the first field of <rest>, when it names a configured key
//      namespace (":1:migo:ruc_123" -> migo, "site:3:migo:x" -> migo);
//   3. else the listener's default namespace.
// Only configured names are ever chosen, so no key can create a namespace. The key is stored
// whole (the prefix is not stripped), so it reads back exactly as written.
//
// Thread safety: immutable after construction; every method may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace apicached {

struct KeyMappingOptions {
  std::string default_namespace = "default";  // keys that name no configured namespace
  std::vector<std::string> key_namespaces;    // names a key's field may select; none by default
};

class KeyMapping {
 public:
  // REQUIRES: the names are valid namespace names (the daemon checks them at startup).
  explicit KeyMapping(KeyMappingOptions options);

  // The namespace `key` belongs to; a view of a name held by this KeyMapping.
  std::string_view NamespaceFor(std::string_view key) const;

  // Every namespace this mapping can choose (the default first, no duplicates): what a
  // flush_all on the listener clears.
  const std::vector<std::string>& Namespaces() const { return all_; }

 private:
  const std::string* FindKeyNamespace(std::string_view field) const;  // null: not one

  KeyMappingOptions options_;
  std::vector<std::string> all_;
};

}  // namespace apicached
