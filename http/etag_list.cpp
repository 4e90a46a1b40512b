#include "http/etag_list.h"

#include <charconv>
#include <string>

namespace apicached::http {

Result<ETagList> ParseETags(std::string_view header, std::string_view field) {
  ETagList out;
  auto bad = [&] {
    return Status::InvalidArgument(std::string(field) +
                                   " must be * or a list of entity tags such as \"42\"");
  };
  size_t i = 0;
  auto skip = [&] {
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t' || header[i] == ',')) ++i;
  };
  skip();
  if (i < header.size() && header[i] == '*') {
    ++i;
    skip();
    if (i != header.size()) return bad();
    out.any = true;
    return out;
  }
  while (i < header.size()) {
    bool weak = false;
    if (header.compare(i, 2, "W/") == 0) {
      weak = true;
      i += 2;
    }
    if (i >= header.size() || header[i] != '"') return bad();
    size_t close = header.find('"', i + 1);
    if (close == std::string_view::npos) return bad();
    std::string_view tag = header.substr(i + 1, close - i - 1);
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), v);
    // A tag that is not one of ours can never match; keep parsing the rest.
    if (!tag.empty() && ec == std::errc() && ptr == tag.data() + tag.size()) {
      (weak ? out.weak_versions : out.versions).push_back(v);
    }
    i = close + 1;
    skip();
  }
  if (header.find('"') == std::string_view::npos) return bad();  // empty or blank
  return out;
}

}  // namespace apicached::http
