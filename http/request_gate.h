// What the server decides about a request before routing it: refuse it from its header, or map
// a read error to an answer. Pure (no I/O), so the server, the fuzz target and the tests share it.
//
// From the header (CheckHeader), in this order:
//   request target over max_uri_bytes                              -> 414
//   header fields over header_limit_bytes                          -> 431
//   Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)        -> 400
//   Transfer-Encoding and Content-Length together (RFC 9112 6.3
//     lets a server reject it; we do rather than guess)            -> 400
//   empty Transfer-Encoding, chunked twice, or chunked not the
//     final coding (RFC 9112 6.3)                                  -> 400
//   any transfer coding other than chunked (gzip, xchunked, ...:
//     RFC 9112 6.1, we implement chunked only)                     -> 501
//   HTTP/1.1 without Host, more than one Host, or a Host value
//     that is not uri-host[:port] (RFC 9112 3.2)                   -> 400
//   announced body (Content-Length) over body_limit_bytes          -> 413
// From a read error (RefusalForReadError): header limit -> 414 or 431, body limit -> 413, any
// other parse error (bad chunking, conflicting lengths, bad bytes) -> 400; end of stream, a
// timeout or a reset get no answer (nullopt).
// Every refusal is a framing or limit error: its response closes the connection.
//
// Thread safety: pure functions.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>
#include <string>

#include "http/router.h"
#include "http/server.h"

namespace apicached::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

struct Refusal {
  unsigned status = 400;
  std::string detail;
};

// Sets the parser's header and body limits from options (the header limit covers the request
// line too; CheckHeader and RefusalForReadError tell 414 from 431).
void LimitParser(RequestParser& parser, const ServerOptions& options);

// REQUIRES: parser.is_header_done().
std::optional<Refusal> CheckHeader(const RequestParser& parser, const ServerOptions& options);

// The framing and Host rules of CheckHeader alone, on a request header.
std::optional<Refusal> CheckFraming(const Request& header);

std::optional<Refusal> RefusalForReadError(boost::beast::error_code ec, const RequestParser& parser,
                                           const ServerOptions& options);

// The problem+json answer to a refusal: HTTP/1.1, Connection: close, Content-Length set.
Response RefusalResponse(Refusal refusal);

}  // namespace apicached::http
