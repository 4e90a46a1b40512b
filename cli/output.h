// How apicachectl shows what the daemon answered: values for a terminal or as JSON, and JSON
// objects as readable "field: value" lines.
//
// Thread safety: pure functions.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "http/text_codec.h"

namespace apicached::cli {

using http::Base64Encode;
using http::IsValidUtf8;

// {"value": ..., "encoding": "json"|"utf-8"|"base64"} the way the daemon's batch routes write
// values: JSON verbatim when the content type says JSON and it parses, UTF-8 text as a string,
// other bytes as base64.
nlohmann::json ValueToJson(std::string_view value, std::string_view content_type);

// A value for a human on a terminal: the text when it is UTF-8 (control characters other than
// tab and newline escaped as \xNN), else "(binary value, N bytes: pipe it or use -o json)".
std::string ValueForTerminal(std::string_view value);

// One "path: value" line per scalar of a JSON object, nested objects flattened with '.',
// arrays of scalars joined with ", ".
void PrintFlat(const nlohmann::json& object, std::ostream& out, const std::string& prefix = "");

}  // namespace apicached::cli
