#include "redis/databases.h"

#include <algorithm>

#include "redis/resp_parser.h"

namespace apicached::redis {

std::map<int64_t, std::string> DefaultDatabaseNamespaces() {
  std::map<int64_t, std::string> out = {{0, "default"}};
  for (int64_t db = 1; db < 16; ++db) out.emplace(db, "db" + std::to_string(db));
  return out;
}

std::string FormatDatabases(const std::map<int64_t, std::string>& namespaces) {
  std::string out;
  for (const auto& [db, ns] : namespaces) {
    out += (out.empty() ? "" : ",") + std::to_string(db) + "=" + ns;
  }
  return out;
}

Result<std::map<int64_t, std::string>> ParseDatabases(std::string_view text) {
  std::map<int64_t, std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view pair = text.substr(start, comma - start);
    const size_t eq = pair.find('=');
    int64_t n = 0;
    if (eq == std::string_view::npos || !ParseInt64(pair.substr(0, eq), n) || n < 0 || n > 65535 ||
        eq + 1 == pair.size()) {
      return Status::InvalidArgument("'" + std::string(pair) +
                                     "': expected NUMBER=NAMESPACE with a number 0 to 65535 "
                                     "(e.g. 0=default,1=migo)");
    }
    if (!out.emplace(n, std::string(pair.substr(eq + 1))).second) {
      return Status::InvalidArgument("database " + std::to_string(n) + " is mapped twice");
    }
    start = comma + 1;
  }
  return out;
}

Databases::Databases(DatabasesOptions options) {
  for (const auto& [db, ns] : options.namespaces) {
    KeyMappingOptions m;
    m.default_namespace = ns;
    m.key_namespaces = options.key_namespaces;
    auto mapping = std::make_unique<KeyMapping>(std::move(m));
    for (const std::string& name : mapping->Namespaces()) {
      if (std::find(all_.begin(), all_.end(), name) == all_.end()) all_.push_back(name);
    }
    mappings_.emplace(db, std::move(mapping));
    numbers_.push_back(db);
  }
}

const KeyMapping* Databases::Find(int64_t db) const {
  const auto it = mappings_.find(db);
  return it == mappings_.end() ? nullptr : it->second.get();
}

}  // namespace apicached::redis
