// Fuzz target: HTTP request handling. The input is raw bytes from a client on one connection.
// They go through the server's own pure steps (http/request_gate.h, http/header_guard.h) in the
// server's order: a parser with the server's limits (ServerOptions defaults), the header check,
// the body, the daemon's Router (cache API + health) on a real store, GuardHeaders; then the
// next pipelined request, as long as the response keeps the connection open.
//
// Properties: nothing crashes or leaks; every response's header block is well-formed (a status
// line, then "name: value" lines with token names and no CR, LF, NUL or other control byte
// inside a value, then one empty line); a request refused before routing (framing, limits,
// parse errors) always closes the connection, and so does any request whose Transfer-Encoding
// is not exactly "chunked" or whose Host count is wrong (checked independently of the gate);
// every routed request gets a
// status from 200 to 599 but never 500 (500 means a handler threw, the store reported an
// internal error, or GuardHeaders withheld a response); Content-Length matches the body (HEAD:
// the body is dropped; 204/304: no body); problem+json bodies and the JSON the daemon writes
// itself are valid JSON (a stored value comes back as stored).

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>

#include "http/header_guard.h"
#include "http/request_gate.h"
#include "http/server.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/router_fixture.h"

namespace bhttp = boost::beast::http;
using apicached::http::Response;

namespace {

bool IsCtl(unsigned char c) {
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

// The header block as the server's serializer writes it: a status line, field lines, an empty
// line; nothing else, no control byte (but HTAB) inside a line.
void CheckHeaderBlock(const Response& res) {
  std::ostringstream out;
  out << res.base();
  const std::string block = out.str();
  FUZZ_CHECK(block.size() >= 4 && block.compare(block.size() - 4, 4, "\r\n\r\n") == 0);
  FUZZ_CHECK(block.find("\r\n\r\n") == block.size() - 4);
  std::string_view rest(block.data(), block.size() - 2);  // every line ends with CRLF
  bool status_line = true;
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    FUZZ_CHECK(end != std::string_view::npos);
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    for (char c : line) FUZZ_CHECK(!IsCtl(static_cast<unsigned char>(c)));
    if (status_line) {
      FUZZ_CHECK(line.substr(0, 9) == "HTTP/1.1 " || line.substr(0, 9) == "HTTP/1.0 ");
      status_line = false;
      continue;
    }
    const size_t colon = line.find(':');
    FUZZ_CHECK(colon != std::string_view::npos && colon > 0);
    FUZZ_CHECK(apicached::http::IsFieldName(line.substr(0, colon)));
  }
}

// Independent of the gate: a request that has Transfer-Encoding other than exactly "chunked"
// (one field, one coding) must never be routed.
bool OnlyPlainChunked(const apicached::http::Request& req) {
  auto [first, last] = req.equal_range(bhttp::field::transfer_encoding);
  if (first == last) return true;
  if (std::next(first) != last) return false;
  std::string_view v = first->value();
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == ',')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == ',')) {
    v.remove_suffix(1);
  }
  return boost::beast::iequals(v, "chunked") &&
         req.find(bhttp::field::content_length) == req.end() && req.version() == 11;
}

void CheckRefusal(Response res) {
  apicached::http::GuardHeaders(res);
  CheckHeaderBlock(res);
  FUZZ_CHECK(!res.keep_alive());  // a framing or limit error closes the connection
  FUZZ_CHECK(res.result_int() >= 400 && res.result_int() <= 599 && res.result_int() != 500);
  FUZZ_CHECK(res[bhttp::field::content_length] == std::to_string(res.body().size()));
}

// Checks a routed response; false when it closes the connection.
bool CheckRouted(const apicached::http::Request& req, const apicached::http::Routed& routed) {
  Response res = routed.response;
  FUZZ_CHECK(apicached::http::GuardHeaders(res));  // no route emits an unsendable header
  CheckHeaderBlock(res);
  const unsigned status = res.result_int();
  FUZZ_CHECK(status >= 200 && status <= 599);
  FUZZ_CHECK(status != 500);
  const auto length = res[bhttp::field::content_length];
  if (status == 204 || status == 304) {  // no body, and HTTP forbids a Content-Length on 204
    FUZZ_CHECK(res.body().empty());
    return res.keep_alive();
  }
  FUZZ_CHECK(!length.empty());
  if (req.method() == bhttp::verb::head) {
    FUZZ_CHECK(res.body().empty());
    return res.keep_alive();
  }
  FUZZ_CHECK(length == std::to_string(res.body().size()));
  // JSON the daemon wrote must parse. A stored value comes back as stored, with the content type
  // the client gave (GET of a key: any bytes may be labelled application/json).
  const auto type = res[bhttp::field::content_type];
  const bool stored_value = routed.route == "/v1/cache/{ns}/{key}" && status == 200;
  if (type == "application/problem+json" || (type == "application/json" && !stored_value)) {
    FUZZ_CHECK(nlohmann::json::accept(res.body()));
  }
  return res.keep_alive();
}

// Feeds the rest of the input to the parser until it has the header (want_body false) or the
// whole message; returns the bytes used. The input is all the client sends: when the parser
// needs more, the client has closed (put_eof), as the server would see it.
size_t Feed(apicached::http::RequestParser& parser, std::string_view in, bool want_body,
            boost::beast::error_code& ec) {
  size_t used = 0;
  while (!(want_body ? parser.is_done() : parser.is_header_done())) {
    const size_t n = parser.put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more || (!ec && n == 0)) {
      ec = {};
      if (n > 0) continue;
      parser.put_eof(ec);
      return used;
    }
    if (ec) return used;
  }
  return used;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const apicached::http::ServerOptions options;
  auto& fixture = apicached::fuzz::RouterFixture::Get();
  std::string_view in(reinterpret_cast<const char*>(data), size);

  for (int requests = 0; !in.empty() && requests < 16; ++requests) {
    apicached::http::RequestParser parser;
    apicached::http::LimitParser(parser, options);
    boost::beast::error_code ec;
    size_t used = Feed(parser, in, /*want_body=*/false, ec);
    if (ec) {
      if (auto refusal = apicached::http::RefusalForReadError(ec, parser, options)) {
        CheckRefusal(apicached::http::RefusalResponse(*refusal));
      }
      return 0;  // refused and closed, or the client went away: no more requests
    }
    if (!parser.is_header_done()) return 0;
    if (auto refusal = apicached::http::CheckHeader(parser, options)) {
      CheckRefusal(apicached::http::RefusalResponse(*refusal));
      return 0;
    }
    FUZZ_CHECK(OnlyPlainChunked(parser.get()));
    // RFC 9112 3.2, also independently of the gate: one Host (none allowed in HTTP/1.0 only).
    const auto hosts = parser.get().count(bhttp::field::host);
    FUZZ_CHECK(hosts == 1 || (hosts == 0 && parser.get().version() == 10));
    parser.eager(true);
    used += Feed(parser, in.substr(used), /*want_body=*/true, ec);
    if (ec) {
      if (auto refusal = apicached::http::RefusalForReadError(ec, parser, options)) {
        CheckRefusal(apicached::http::RefusalResponse(*refusal));
      }
      return 0;
    }
    if (!parser.is_done()) return 0;
    in.remove_prefix(used);
    const apicached::http::Request req = parser.release();
    if (!CheckRouted(req, fixture.router().Handle(req))) return 0;
  }
  return 0;
}
