// Resp2: a Reply as RESP2 bytes, so that the tests compare with what redis-server 7.0.15 sent
// for the same EVAL (recorded byte for byte). Test-only; the front's writer is redis/resp_writer.
#pragma once

#include <cstdio>
#include <string>

#include "redis/reply.h"

namespace apicached::redis::testing {

inline std::string Resp2(const Reply& r) {
  using K = Reply::Kind;
  auto bulk = [](const std::string& s) {
    return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
  };
  switch (r.kind) {
    case K::kSimple:
      return "+" + r.text + "\r\n";
    case K::kError:
      return "-" + r.text + "\r\n";
    case K::kInteger:
      return ":" + std::to_string(r.integer) + "\r\n";
    case K::kBoolean:
      return ":" + std::to_string(r.integer) + "\r\n";
    case K::kBulk:
    case K::kVerbatim:
      return bulk(r.text);
    case K::kNull:
      return "$-1\r\n";
    case K::kNullArray:
      return "*-1\r\n";
    case K::kDouble: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", r.number);
      return bulk(buf);
    }
    case K::kArray:
    case K::kMap:
    case K::kSet: {
      std::string out = "*" + std::to_string(r.elements.size()) + "\r\n";
      for (const Reply& e : r.elements) out += Resp2(e);
      return out;
    }
  }
  return "?";
}

}  // namespace apicached::redis::testing
