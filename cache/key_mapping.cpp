#include "cache/key_mapping.h"

#include <algorithm>

namespace apicached {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

KeyMapping::KeyMapping(KeyMappingOptions options) : options_(std::move(options)) {
  all_.push_back(options_.default_namespace);
  for (const std::string& ns : options_.key_namespaces) {
    if (std::find(all_.begin(), all_.end(), ns) == all_.end()) all_.push_back(ns);
  }
}

const std::string* KeyMapping::FindKeyNamespace(std::string_view field) const {
  for (const std::string& ns : options_.key_namespaces)
    if (ns == field) return &ns;
  return nullptr;
}

std::string_view KeyMapping::NamespaceFor(std::string_view key) const {
  const size_t first_colon = key.find(':');
  if (options_.key_namespaces.empty() || first_colon == std::string_view::npos) return all_.front();
  if (const std::string* ns = FindKeyNamespace(key.substr(0, first_colon))) return *ns;
  // <KEY_PREFIX>:<VERSION>:<rest>
  const std::string_view after_prefix = key.substr(first_colon + 1);
  const size_t second_colon = after_prefix.find(':');
  if (second_colon != std::string_view::npos && AllDigits(after_prefix.substr(0, second_colon))) {
    const std::string_view rest = after_prefix.substr(second_colon + 1);
    if (const std::string* ns = FindKeyNamespace(rest.substr(0, rest.find(':')))) return *ns;
  }
  return all_.front();
}

}  // namespace apicached
