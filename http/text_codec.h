// Byte-level text codecs shared by the server (http/) and the command-line client (cli/):
// UTF-8 validation, RFC 4648 base64 and URI percent-encoding. A library of its own
// (apicached_text_codec) with no dependency, so apicachectl links it without the server.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace apicached::http {

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view s);
// The bytes of the UTF-8 sequence that starts at s[i] (1 for ASCII), 0 when none valid starts
// there (the same rules). REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

// RFC 4648 with padding.
std::string Base64Encode(std::string_view in);
// nullopt when `in` is not canonical padded base64.
std::optional<std::string> Base64Decode(std::string_view in);

// Percent-decoding of one path segment ('+' stays '+') or one query component ('+' is a space).
// nullopt on a '%' not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view in, bool plus_is_space);
// The inverse for building request targets: every byte outside [A-Za-z0-9-._~] becomes %XX, so
// that a key is always exactly one path segment.
std::string PercentEncode(std::string_view in);

}  // namespace apicached::http
