// How stored values appear inside JSON bodies (batch routes), and how they come back in.
//
// Out (EncodeValueJson): a value whose content type is JSON (application/json or any +json type)
// and that is valid JSON is written verbatim as a JSON value ("encoding": "json"); a value that is
// valid UTF-8 is written as a JSON string ("encoding": "utf-8"); anything else as a base64 string
// ("encoding": "base64", RFC 4648 with padding). Writing JSON verbatim means the bytes inside the
// response are exactly the stored bytes.
// In (DecodeValueJson): the inverse for _mset entries; see docs/API.md.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/text_codec.h"  // IsValidUtf8, Base64Encode/Decode

namespace apicached::http {

bool IsJsonContentType(std::string_view content_type);

// Appends "\"value\":...,\"encoding\":\"...\"" (no braces) for the value to out.
void AppendValueJson(std::string_view value, std::string_view content_type, std::string& out);
// The same, with IsJsonContentType(content_type) already known (a batch answer asks it once per
// distinct content type).
void AppendValueJson(std::string_view value, bool json_content_type, std::string& out);

// Appends s as a JSON string literal (with quotes). REQUIRES: IsValidUtf8(s).
void AppendJsonString(std::string_view s, std::string& out);
// The same when s is valid UTF-8, checked on the way (one pass over s instead of two); false
// when it is not, with out's size as it was.
bool AppendJsonStringIfUtf8(std::string_view s, std::string& out);

}  // namespace apicached::http
