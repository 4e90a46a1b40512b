// The DOM reading of a batch body's "keys" list that http/key_list_body.h replaced (a depth-
// limited nlohmann::json::parse, then body["keys"]): the reference its tests and its fuzz target
// compare ReadKeyList with.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace apicached::http::testing {

inline Result<std::vector<std::string>> ReadKeyListWithDom(std::string_view text, int max_depth,
                                                           size_t max_keys) {
  using nlohmann::json;
  auto guard = [&](int depth, json::parse_event_t, json&) {
    if (depth > max_depth) throw std::length_error("nesting");
    return true;
  };
  json body;
  try {
    body = json::parse(text, guard);
  } catch (const std::length_error&) {
    return Status::InvalidArgument("the request body is nested deeper than " +
                                   std::to_string(max_depth) + " levels");
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  auto it = body.find("keys");
  if (it == body.end() || !it->is_array()) {
    return Status::InvalidArgument("the body needs \"keys\": an array of key strings");
  }
  if (it->size() > max_keys) {
    return Status::TooLarge("a batch holds at most " + std::to_string(max_keys) + " keys, got " +
                            std::to_string(it->size()));
  }
  std::vector<std::string> keys;
  for (const json& k : *it) {
    if (!k.is_string()) return Status::InvalidArgument("keys must all be strings");
    keys.push_back(k.get<std::string>());
  }
  return keys;
}

}  // namespace apicached::http::testing
