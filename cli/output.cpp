#include "cli/output.h"

#include <algorithm>
#include <cstdint>
#include <ostream>

namespace apicached::cli {

using nlohmann::json;

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
