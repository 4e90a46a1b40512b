#include "redis/scripting/shebang.h"

#include <array>
#include <utility>
#include <vector>

namespace apicached::redis::scripting {
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep, bool skip_empty) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (!skip_empty || end > start) parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

}  // namespace

Shebang ParseShebang(std::string_view body) {
  Shebang out;
  if (!body.starts_with("#!")) return out;
  const size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    out.error = "Invalid script shebang";
    return out;
  }
  out.length = eol;
  std::string line(body.substr(0, eol));
  for (char& c : line) {
    if (c == '\t' || c == '\r') c = ' ';
  }
  const std::vector<std::string_view> parts = Split(line, ' ', true);
  if (parts.empty()) {
    out.error = "Invalid engine in script shebang";
    return out;
  }
  if (parts[0] != "#!lua") {
    out.error = "Unexpected engine in script shebang: " + std::string(parts[0]);
    return out;
  }
  static constexpr std::array<std::pair<std::string_view, uint32_t>, 5> kFlags = {{
      {"no-writes", kScriptNoWrites},
      {"allow-oom", kScriptAllowOom},
      {"allow-stale", kScriptAllowStale},
      {"no-cluster", kScriptNoCluster},
      {"allow-cross-slot-keys", kScriptAllowCrossSlot},
  }};
  out.flags = 0;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!parts[i].starts_with("flags=")) {
      out.error = "Unknown lua shebang option: " + std::string(parts[i]);
      return out;
    }
    for (std::string_view flag : Split(parts[i].substr(6), ',', true)) {
      uint32_t bit = 0;
      for (const auto& [name, value] : kFlags) {
        if (name == flag) bit = value;
      }
      if (bit == 0) {
        out.error = "Unexpected flag in script shebang: " + std::string(flag);
        return out;
      }
      out.flags |= bit;
    }
  }
  return out;
}

}  // namespace apicached::redis::scripting
