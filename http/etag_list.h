// Entity tags of If-Match / If-None-Match request headers (RFC 9110 8.8.3, 13.1.1-2). Pure.
//
// Thread safety: pure functions and values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace apicached::http {

// The versions listed in an If-Match / If-None-Match value; `any` for "*". Weak tags (W/"...")
// are accepted; callers decide whether weak comparison applies.
struct ETagList {
  bool any = false;
  std::vector<uint64_t> versions;       // strong tags
  std::vector<uint64_t> weak_versions;  // W/"..." tags
  // Weak comparison (If-None-Match) lets weak tags match; strong comparison (If-Match) does not.
  bool Contains(uint64_t v, bool weak_comparison) const {
    auto in = [v](const std::vector<uint64_t>& list) {
      return std::find(list.begin(), list.end(), v) != list.end();
    };
    return any || in(versions) || (weak_comparison && in(weak_versions));
  }
};

// Parses a header value; InvalidArgument naming `field` when it is neither "*" nor a list of
// quoted tags. Tags that are not decimal versions are dropped (they can never match).
Result<ETagList> ParseETags(std::string_view header, std::string_view field);

}  // namespace apicached::http
