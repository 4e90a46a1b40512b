// Test helper: one Parse() call on a string that outlives the request's views.
#pragma once

#include <string>
#include <string_view>

#include "memcached/parser.h"

namespace apicached::memcached::testing {

struct Parsed {
  std::string input;  // owns the bytes the request points into
  ParseResult result;
  Request request;
};

inline Parsed ParseText(std::string input, const ParserOptions& options = {}) {
  Parsed p;
  p.input = std::move(input);
  p.result = Parse(p.input, options, p.request);
  return p;
}

}  // namespace apicached::memcached::testing
