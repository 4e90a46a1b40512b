#include "http/header_guard.h"

#include <algorithm>

#include "http/problem.h"
#include "storage/media_type.h"

namespace apicached::http {

bool IsFieldName(std::string_view name) {
  return IsToken(name);
}

bool IsFieldValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

bool GuardHeaders(Response& res) {
  const bool sendable = std::all_of(res.begin(), res.end(), [](const auto& field) {
    return IsFieldName(field.name_string()) && IsFieldValue(field.value());
  });
  if (sendable) return true;
  res = MakeProblem(500, "The response had a header field that cannot be sent; it was withheld.");
  res.version(11);
  res.keep_alive(false);
  res.content_length(res.body().size());
  return false;
}

}  // namespace apicached::http
