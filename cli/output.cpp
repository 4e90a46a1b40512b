#include "cli/output.h"

#include <algorithm>
#include <cstdint>
#include <ostream>

namespace apicached::cli {

using nlohmann::json;

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

std::string Base64Encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json ValueToJson(std::string_view value, std::string_view content_type) {
  bool json_type = content_type.starts_with("application/json") ||
                   content_type.find("+json") != std::string_view::npos;
  if (json_type && IsValidUtf8(value)) {
    json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return json{{"value", parsed}, {"encoding", "json"}};
  }
  if (IsValidUtf8(value)) return json{{"value", std::string(value)}, {"encoding", "utf-8"}};
  return json{{"value", Base64Encode(value)}, {"encoding", "base64"}};
}

std::string ValueForTerminal(std::string_view value) {
  if (!IsValidUtf8(value)) {
    return "(binary value, " + std::to_string(value.size()) + " bytes: pipe it or use -o json)";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out;
}

void PrintFlat(const json& object, std::ostream& out, const std::string& prefix) {
  if (!object.is_object()) {
    out << (prefix.empty() ? "" : prefix + ": ")
        << (object.is_string() ? object.get<std::string>() : object.dump()) << "\n";
    return;
  }
  for (const auto& [name, value] : object.items()) {
    std::string path = prefix.empty() ? name : prefix + "." + name;
    if (value.is_object() && !value.empty()) {
      PrintFlat(value, out, path);
    } else if (value.is_array() && std::all_of(value.begin(), value.end(),
                                               [](const json& v) { return v.is_primitive(); })) {
      out << path << ": ";
      bool first = true;
      for (const json& v : value) {
        out << (first ? "" : ", ") << (v.is_string() ? v.get<std::string>() : v.dump());
        first = false;
      }
      out << "\n";
    } else if (value.is_string()) {
      out << path << ": " << value.get<std::string>() << "\n";
    } else {
      out << path << ": " << value.dump() << "\n";
    }
  }
}

}  // namespace apicached::cli
