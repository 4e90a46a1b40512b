// Fuzz target: HTTP request handling. The input is raw bytes from a client: they go through a
// Beast request_parser with the server's limits (http/server.h ServerOptions defaults) and, when
// a whole request parses, through the daemon's Router (cache API + health) on a real store.
//
// Properties: nothing crashes or leaks; every routed request gets a status from 200 to 599 but
// never 500 (500 means a handler threw or the store reported an internal error); Content-Length
// matches the body (HEAD: the body is dropped; 204/304: no body); problem+json bodies and the
// JSON the daemon writes itself are valid JSON (a stored value comes back as stored).

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "http/server.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/router_fixture.h"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const apicached::http::ServerOptions limits;
  auto& fixture = apicached::fuzz::RouterFixture::Get();

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(limits.header_limit_bytes + limits.max_uri_bytes + 64));
  parser.body_limit(limits.body_limit_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    const size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (ec) break;
    if (used == 0) break;
    offset += used;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);  // the client closed after its bytes
  if (ec || !parser.is_done()) return 0;             // the server answers 400/413/431 itself

  const apicached::http::Request& req = parser.get();
  if (req.target().size() > limits.max_uri_bytes) return 0;  // the server answers 414 itself
  const apicached::http::Routed routed = fixture.router().Handle(req);
  const auto& res = routed.response;
  const unsigned status = res.result_int();
  FUZZ_CHECK(status >= 200 && status <= 599);
  FUZZ_CHECK(status != 500);
  const auto length = res[bhttp::field::content_length];
  if (status == 204 || status == 304) {  // no body, and HTTP forbids a Content-Length on 204
    FUZZ_CHECK(res.body().empty());
    return 0;
  }
  FUZZ_CHECK(!length.empty());
  if (req.method() == bhttp::verb::head) {
    FUZZ_CHECK(res.body().empty());
    return 0;
  }
  FUZZ_CHECK(length == std::to_string(res.body().size()));
  // JSON the daemon wrote must parse. A stored value comes back as stored, with the content type
  // the client gave (GET of a key: any bytes may be labelled application/json).
  const auto type = res[bhttp::field::content_type];
  const bool stored_value = routed.route == "/v1/cache/{ns}/{key}" && status == 200;
  if (type == "application/problem+json" || (type == "application/json" && !stored_value)) {
    FUZZ_CHECK(nlohmann::json::accept(res.body()));
  }
  return 0;
}
