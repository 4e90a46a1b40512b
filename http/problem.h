// RFC 9457 problem+json error responses, and THE one mapping from Status codes to HTTP statuses.
//
// Every error apicached answers has Content-Type application/problem+json and a body
//   {"type": "urn:apicached:problem:<slug>", "title": "<status phrase>", "status": <int>,
//    "detail": "<what was wrong, for a human>"}
// where <slug> names the HTTP status (e.g. "not-found", "payload-too-large"), so clients can
// switch on type or status alike. Details never echo more than a short prefix of client input.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "http/router.h"
#include "storage/status.h"

namespace apicached::http {

// NotFound 404, InvalidArgument 400, AlreadyExists 412, PreconditionFailed 412, Conflict 409,
// TooLarge 413, ResourceExhausted 507, Unavailable 503, Internal 500. (kOk maps to 200.)
unsigned HttpStatusFor(Code code);

// A problem response with the given HTTP status (REQUIRES: 400..599) and detail. The caller (or
// Router) still sets version/keep-alive/Content-Length (see Finish()).
Response MakeProblem(unsigned status, std::string detail);

// MakeProblem(HttpStatusFor(status.code()), status.message()). REQUIRES: !status.ok().
Response ProblemFromStatus(const Status& status);

// The serialized problem body alone (for the server's canned responses).
std::string ProblemBody(unsigned status, std::string_view detail);

}  // namespace apicached::http
