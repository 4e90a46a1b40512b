#include "http/value_codec.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>

namespace apicached::http {

namespace beast = boost::beast;

namespace {

// Sixteen bytes at a time, as one SIMD compare where the target has one (GCC/Clang vector
// types; plain code elsewhere): whether any of them is below 0x20 or above 0x7F (negative as a
// signed char), '"' or '\\'.
constexpr size_t kChunk = 16;
using Chunk = signed char __attribute__((vector_size(kChunk)));

bool NeedsLook(const char* p) {
  Chunk v;
  std::memcpy(&v, p, kChunk);
  const Chunk flagged = (v < 0x20) | (v == '"') | (v == '\\');
  uint64_t halves[2];
  std::memcpy(halves, &flagged, kChunk);
  return (halves[0] | halves[1]) != 0;
}

}  // namespace

// No allocation: a batch answer asks this once per found entry.
bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  return beast::iequals(media, "application/json") ||
         (media.size() > 5 && beast::iequals(media.substr(media.size() - 5), "+json"));
}

namespace {

// The bytes nlohmann::json's dump() writes (ensure_ascii off), without building a json value:
// '"' and '\\' and the control characters escaped, everything else (valid UTF-8) as it is. A
// batch answer writes one such string per key, value and content type (docs/benchmarks.md).
// With kCheckUtf8, each byte above 0x7F must start a valid UTF-8 sequence, else false.
template <bool kCheckUtf8>
bool AppendEscaped(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t mark = out.size();
  out += '"';
  size_t plain = 0;  // start of the run of bytes copied as they are
  size_t i = 0;
  while (i < s.size()) {
    // A chunk at a time while none needs a look (most values, every generated name).
    while (i + kChunk <= s.size() && !NeedsLook(s.data() + i)) i += kChunk;
    // Byte by byte through the flagged chunk (or the tail); a sequence may run past it.
    const size_t stop = std::min(s.size(), i + kChunk);
    while (i < stop) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80 && kCheckUtf8) {
        const size_t len = Utf8SequenceLength(s, i);
        if (len == 0) {
          out.resize(mark);
          return false;
        }
        i += len;
        continue;
      }
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      out.append(s.data() + plain, i - plain);
      plain = ++i;
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
  return true;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string& out) {
  AppendEscaped<false>(s, out);
}

bool AppendJsonStringIfUtf8(std::string_view s, std::string& out) {
  return AppendEscaped<true>(s, out);
}

void AppendValueJson(std::string_view value, std::string_view content_type, std::string& out) {
  AppendValueJson(value, IsJsonContentType(content_type), out);
}

void AppendValueJson(std::string_view value, bool json_content_type, std::string& out) {
  // nlohmann's lexer ends the input at a NUL byte: "9\0x" is accepted, and would not be JSON
  // once written whole. JSON text never holds one (not even escaped in a string: "\u0000").
  if (json_content_type && value.find('\0') == std::string_view::npos &&
      nlohmann::json::accept(value)) {
    out += "\"value\":";
    out += value;
    out += ",\"encoding\":\"json\"";
    return;
  }
  const size_t mark = out.size();
  out += "\"value\":";
  if (AppendJsonStringIfUtf8(value, out)) {
    out += ",\"encoding\":\"utf-8\"";
    return;
  }
  out.resize(mark);
  out += "\"value\":\"";
  out += Base64Encode(value);
  out += "\",\"encoding\":\"base64\"";
}

}  // namespace apicached::http
