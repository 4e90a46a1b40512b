#include "http/request_gate.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <string_view>
#include <vector>

#include "http/problem.h"

namespace apicached::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

Refusal UriTooLong(const ServerOptions& options) {
  return {414,
          "The request target is longer than " + std::to_string(options.max_uri_bytes) + " bytes."};
}

Refusal HeaderTooLarge(const ServerOptions& options) {
  return {431, "The header fields are larger than " + std::to_string(options.header_limit_bytes) +
                   " bytes."};
}

Refusal BodyTooLarge(const ServerOptions& options) {
  return {413, "The body is larger than " + std::to_string(options.body_limit_bytes) + " bytes."};
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The transfer codings of every Transfer-Encoding field, in order; empty list elements are
// skipped (RFC 9110 5.6.1). A coding keeps its parameters (so "chunked;x=1" is not chunked).
std::vector<std::string_view> TransferCodings(const Request& header) {
  std::vector<std::string_view> codings;
  auto [first, last] = header.equal_range(bhttp::field::transfer_encoding);
  for (auto it = first; it != last; ++it) {
    std::string_view value = it->value();
    while (!value.empty()) {
      const size_t comma = value.find(',');
      std::string_view element = TrimOws(value.substr(0, comma));
      if (!element.empty()) codings.push_back(element);
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    }
  }
  return codings;
}

// uri-host [ ":" port ] loosely: the characters of reg-name, IPv4, IP-literal and port.
bool IsHostValue(std::string_view v) {
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-._~!$&'()*+,;=:[]%").find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

void LimitParser(RequestParser& parser, const ServerOptions& options) {
  parser.header_limit(
      static_cast<uint32_t>(options.header_limit_bytes + options.max_uri_bytes + 64));
  parser.body_limit(options.body_limit_bytes);
}

std::optional<Refusal> CheckFraming(const Request& header) {
  const bool has_te = header.find(bhttp::field::transfer_encoding) != header.end();
  if (has_te) {
    if (header.version() < 11) {
      return Refusal{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request."};
    }
    if (header.find(bhttp::field::content_length) != header.end()) {
      return Refusal{400, "A request must not have both Transfer-Encoding and Content-Length."};
    }
    const std::vector<std::string_view> codings = TransferCodings(header);
    if (codings.empty()) return Refusal{400, "Transfer-Encoding is empty."};
    size_t chunked = 0;
    for (std::string_view c : codings) chunked += beast::iequals(c, "chunked") ? 1 : 0;
    if (chunked > 1 || (chunked == 1 && !beast::iequals(codings.back(), "chunked"))) {
      return Refusal{400,
                     "Transfer-Encoding must end with chunked, once; the body length cannot be "
                     "determined otherwise."};
    }
    if (codings.size() > 1 || chunked == 0) {
      return Refusal{501, "The only transfer coding implemented is chunked."};
    }
    // One coding, chunked, but spread over field lines, the others empty ("Transfer-Encoding:"
    // then "Transfer-Encoding: chunked"): RFC 9110 combines them into "chunked", but a proxy that
    // reads only the first line sees no coding and frames the body otherwise, which is how a
    // request is smuggled. Refused (found by fuzz_http_request).
    if (header.count(bhttp::field::transfer_encoding) > 1) {
      return Refusal{400, "A request must not have more than one Transfer-Encoding field."};
    }
  }
  auto [host, hosts_end] = header.equal_range(bhttp::field::host);
  const auto hosts = std::distance(host, hosts_end);
  if (hosts > 1) return Refusal{400, "A request must not have more than one Host field."};
  if (hosts == 0 && header.version() >= 11) {
    return Refusal{400, "An HTTP/1.1 request needs a Host field."};
  }
  if (hosts == 1 && !IsHostValue(host->value())) {
    return Refusal{400, "The Host field is not a host name or address with an optional port."};
  }
  return std::nullopt;
}

std::optional<Refusal> CheckHeader(const RequestParser& parser, const ServerOptions& options) {
  const Request& req = parser.get();
  if (req.target().size() > options.max_uri_bytes) return UriTooLong(options);
  size_t field_bytes = 0;
  for (const auto& f : req) field_bytes += f.name_string().size() + f.value().size() + 4;
  if (field_bytes > options.header_limit_bytes) return HeaderTooLarge(options);
  if (auto refused = CheckFraming(req)) return refused;
  if (auto len = parser.content_length(); len && *len > options.body_limit_bytes) {
    return BodyTooLarge(options);
  }
  return std::nullopt;
}

std::optional<Refusal> RefusalForReadError(beast::error_code ec, const RequestParser& parser,
                                           const ServerOptions& options) {
  if (ec == bhttp::error::header_limit) {
    // The limit covers request line plus fields. The parser fills in the target once the
    // request line is complete: without one, the request line is what overflowed.
    return parser.get().target().empty() ? UriTooLong(options) : HeaderTooLarge(options);
  }
  if (ec == bhttp::error::body_limit) return BodyTooLarge(options);
  const bool parse_error =
      ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
  if (parse_error) return Refusal{400, "Malformed HTTP request: " + ec.message() + "."};
  return std::nullopt;  // EOF, a timeout, a reset: nobody to answer (or too slow to deserve one)
}

Response RefusalResponse(Refusal refusal) {
  Response res = MakeProblem(refusal.status, std::move(refusal.detail));
  res.version(11);
  res.keep_alive(false);
  res.content_length(res.body().size());
  return res;
}

}  // namespace apicached::http
