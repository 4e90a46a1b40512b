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

void AppendJsonString(std::string_view s, std::string& out) {
  out += nlohmann::json(std::string(s)).dump();
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
