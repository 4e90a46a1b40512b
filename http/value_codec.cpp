#include "http/value_codec.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace apicached::http {

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  std::string lower;
  for (char c : media)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "application/json" ||
         (lower.size() > 5 && lower.compare(lower.size() - 5, 5, "+json") == 0);
}

// The bytes nlohmann::json's dump() writes (ensure_ascii off), without building a json value:
// '"' and '\\' and the control characters escaped, everything else (valid UTF-8) as it is. A
// batch answer writes one such string per key, value and content type (docs/benchmarks.md).
void AppendJsonString(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - plain);
    plain = i + 1;
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
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

void AppendValueJson(std::string_view value, std::string_view content_type, std::string& out) {
  if (IsJsonContentType(content_type) && nlohmann::json::accept(value)) {
    out += "\"value\":";
    out += value;
    out += ",\"encoding\":\"json\"";
  } else if (IsValidUtf8(value)) {
    out += "\"value\":";
    AppendJsonString(value, out);
    out += ",\"encoding\":\"utf-8\"";
  } else {
    out += "\"value\":\"";
    out += Base64Encode(value);
    out += "\",\"encoding\":\"base64\"";
  }
}

}  // namespace apicached::http
