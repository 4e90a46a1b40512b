// The bytes a data dir written before the client flags existed holds for one entry: format 1,
// spelled out byte by byte (EncodeEntry writes format 2 only, so it cannot make them).
#pragma once

#include <string>

namespace apicached::testing {

// expires_ms 10000, created_ms 1000, version 42, content type "text/plain", value "hello".
inline std::string FormatOneEntry() {
  std::string raw;
  raw.push_back('\x01');                              // format 1
  raw.append("\x10\x27\x00\x00\x00\x00\x00\x00", 8);  // expires_ms 10000
  raw.append("\xe8\x03\x00\x00\x00\x00\x00\x00", 8);  // created_ms 1000
  raw.append("\x2a\x00\x00\x00\x00\x00\x00\x00", 8);  // version 42
  raw.append("\x0a\x00", 2);                          // content type: 10 bytes
  raw.append("text/plain");
  raw.append("hello");
  return raw;
}

}  // namespace apicached::testing
