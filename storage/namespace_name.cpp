// ValidateNamespaceName and IsInternalNamespace, declared in store.h and shared with http/.
#include <string>

#include "storage/store.h"

namespace apicached {

namespace {

constexpr size_t kMaxNamespaceChars = 64;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 0xf];
}

}  // namespace

Status ValidateNamespaceName(std::string_view ns) {
  if (ns.empty()) return Status::InvalidArgument("namespace name is empty");
  if (ns.size() > kMaxNamespaceChars) {
    return Status::InvalidArgument("namespace name is " + std::to_string(ns.size()) +
                                   " characters long; at most 64 are allowed");
  }
  for (size_t i = 0; i < ns.size(); ++i) {
    if (!IsNameChar(ns[i])) {
      return Status::InvalidArgument("namespace name has " + Printable(ns[i]) + " at position " +
                                     std::to_string(i) +
                                     "; only a-z, 0-9, '_' and '-' are allowed");
    }
  }
  return Status::Ok();
}

bool IsInternalNamespace(std::string_view ns) {
  return !ns.empty() && ns.front() == '.';
}

}  // namespace apicached
