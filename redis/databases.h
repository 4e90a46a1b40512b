// Databases: which namespaces Redis's numbered databases (SELECT n) reach.
//
// Each configured database number has a namespace (--redis-databases "0=default,1=migo"); every
// database also applies the key-field rule of cache/key_mapping.h with the configured key
// namespaces (--redis-key-namespaces), so "migo:123" can land in namespace migo from any
// database. A number that is not configured answers SELECT with Redis's
// "-ERR DB index is out of range", as a number past `databases` does in Redis.
//
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/key_mapping.h"
#include "storage/status.h"

namespace apicached::redis {

// Redis's 16 databases: 0 is namespace "default", 1 to 15 are namespaces "db1" to "db15" (each
// created by its first write, like any namespace).
std::map<int64_t, std::string> DefaultDatabaseNamespaces();

// "0=default,1=db1,..." for a map (what --help shows as the default).
std::string FormatDatabases(const std::map<int64_t, std::string>& namespaces);

struct DatabasesOptions {
  std::map<int64_t, std::string> namespaces = DefaultDatabaseNamespaces();  // number -> namespace
  std::vector<std::string> key_namespaces;  // names a key's first field may select; none
};

// "0=default,1=migo" -> {0: default, 1: migo}. InvalidArgument (naming the bad part) for a
// number outside 0..65535, a repeated number, or a malformed pair; the names are not checked.
Result<std::map<int64_t, std::string>> ParseDatabases(std::string_view text);

class Databases {
 public:
  // REQUIRES: the names are valid namespace names (the daemon checks them at startup).
  explicit Databases(DatabasesOptions options);

  // The mapping of database `db`, or null when it is not configured.
  const KeyMapping* Find(int64_t db) const;
  // Configured numbers, ascending.
  const std::vector<int64_t>& numbers() const { return numbers_; }
  // What CONFIG GET databases answers: the highest configured number + 1.
  int64_t count() const { return numbers_.empty() ? 0 : numbers_.back() + 1; }
  // Every namespace some database can reach, without duplicates (FLUSHALL clears them).
  const std::vector<std::string>& all_namespaces() const { return all_; }

 private:
  std::map<int64_t, std::unique_ptr<KeyMapping>> mappings_;
  std::vector<int64_t> numbers_;
  std::vector<std::string> all_;
};

}  // namespace apicached::redis
