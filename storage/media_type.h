// Media types (RFC 9110 section 8.3.1), the one rule for what a stored content type may be.
//
//   media-type = type "/" subtype *( OWS ";" OWS [ parameter ] )
//   parameter  = token "=" ( token / quoted-string )
//
// Every write path of the store checks a content type with this (Store refuses anything else as
// InvalidArgument), so no front and no protocol can store bytes that would break a header
// (CR, LF, NUL or any other control byte; a quoted-string may hold SP, HTAB and bytes 0x80-0xFF,
// nothing else outside printable ASCII). Fronts use it again when they emit a stored content
// type, for data written before the rule existed.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace apicached {

// true when text is a token (RFC 9110 5.6.2): 1*tchar. Also what an HTTP field name must be.
bool IsToken(std::string_view text);

// true when text is a media type by the grammar above (no leading or trailing whitespace).
bool IsMediaType(std::string_view text);

// Why text is not a media type, in words for a client ("" when it is one). Quotes at most a
// short, printable prefix of the input.
std::string MediaTypeError(std::string_view text);

}  // namespace apicached
