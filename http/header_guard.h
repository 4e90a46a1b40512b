// The last check before any response leaves the server: every header field must be sendable.
//
// A field name must be a token and a field value must hold no control byte other than HTAB
// (no CR, LF or NUL: RFC 9110 5.5), whatever a route put there. A response that breaks this
// is never written as is (that would let stored or client bytes split the response): it is
// replaced by a 500 problem with Connection: close. Routes are expected never to trip it (they
// validate what they emit, e.g. a stored content type); this is the defence in depth.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "http/router.h"

namespace apicached::http {

bool IsFieldName(std::string_view name);    // 1*tchar
bool IsFieldValue(std::string_view value);  // no CTL except HTAB (obs-text allowed)

// true when every field of res is sendable; otherwise replaces res as described above (complete:
// HTTP/1.1, Connection: close, Content-Length) and returns false.
bool GuardHeaders(Response& res);

}  // namespace apicached::http
