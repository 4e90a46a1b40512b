// Conversions between apicached's string views and RocksDB's slices, and the namespace suffix
// of error messages. Private to storage/.
#pragma once

#include <rocksdb/slice.h>

#include <string>
#include <string_view>

namespace apicached {

inline rocksdb::Slice ToSlice(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

inline std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// " in namespace 'ns'", for the end of an error message.
inline std::string InNamespace(std::string_view ns) {
  return " in namespace '" + std::string(ns) + "'";
}

}  // namespace apicached
