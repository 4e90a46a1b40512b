// The server's refusals before routing (request_gate.h) and the outgoing header check
// (header_guard.h), without sockets. tests/integration/framing_test.cpp sends the same cases to
// the real binary.
#include "http/request_gate.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>

#include "http/cache_api.h"
#include "http/header_guard.h"
#include "tests/http/failing_store.h"

namespace apicached::http {
namespace {

namespace bhttp = boost::beast::http;

// Parses a request header; the gate's answer for it (nullopt: routed).
struct Parsed {
  boost::beast::error_code ec;
  std::optional<Refusal> refusal;
};

Parsed Gate(const std::string& bytes, const ServerOptions& options = {}) {
  RequestParser parser;
  LimitParser(parser, options);
  Parsed out;
  parser.put(boost::asio::buffer(bytes), out.ec);
  if (out.ec) {
    out.refusal = RefusalForReadError(out.ec, parser, options);
    return out;
  }
  EXPECT_TRUE(parser.is_header_done()) << bytes;
  out.refusal = CheckHeader(parser, options);
  return out;
}

unsigned StatusOf(const std::string& head) {
  Parsed p = Gate(head + "\r\n");
  return p.refusal ? p.refusal->status : 0;
}

TEST(RequestGateTest, OnlyChunkedIsImplemented) {
  const std::string put = "PUT /v1/cache/n/k HTTP/1.1\r\nHost: x\r\n";
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: chunked\r\n"), 0u);
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: CHUNKED\r\n"), 0u);
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: ,chunked ,\r\n"), 0u);  // empty list elements
  for (const char* te :
       {"gzip", "xchunked", "identity", "chunked;x=1", "gzip, chunked", "deflate,chunked"}) {
    EXPECT_EQ(StatusOf(put + "Transfer-Encoding: " + te + "\r\n"), 501u) << te;
  }
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), 501u);
}

TEST(RequestGateTest, ChunkedMustBeFinalAndOnce) {
  const std::string put = "PUT /v1/cache/n/k HTTP/1.1\r\nHost: x\r\n";
  for (const char* te : {"chunked, identity", "chunked, gzip", "chunked, chunked", "", " , "}) {
    EXPECT_EQ(StatusOf(put + "Transfer-Encoding: " + te + "\r\n"), 400u) << te;
  }
}

// Found by fuzz_http_request (tests/fuzz/corpus/http_request/smuggle_te_empty_then_chunked): an
// empty Transfer-Encoding line before "Transfer-Encoding: chunked" was taken as chunked.
TEST(RequestGateTest, ChunkedSpreadOverFieldLinesIs400) {
  const std::string put = "PUT /v1/cache/n/k HTTP/1.1\r\nHost: x\r\n";
  for (const char* lines : {"Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n",
                            "Transfer-Encoding: chunked\r\nTransfer-Encoding: \r\n",
                            "Transfer-Encoding: ,\r\nTransfer-Encoding: chunked\r\n"}) {
    EXPECT_EQ(StatusOf(put + lines), 400u) << lines;
  }
}

TEST(RequestGateTest, TransferEncodingWithContentLengthIs400) {
  const std::string put = "PUT /v1/cache/n/k HTTP/1.1\r\nHost: x\r\n";
  // Beast frames "gzip" + Content-Length by the length; the gate refuses it.
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: gzip\r\nContent-Length: 3\r\n"), 400u);
  // Beast itself refuses these two orders (a parse error, which is also 400 and close).
  EXPECT_EQ(StatusOf(put + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"), 400u);
  EXPECT_EQ(StatusOf(put + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), 400u);
}

TEST(RequestGateTest, TransferEncodingInHttp10Is400) {
  EXPECT_EQ(StatusOf("PUT /v1/cache/n/k HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"), 400u);
}

TEST(RequestGateTest, HostRules) {
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\n"), 400u);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n"), 400u);
  EXPECT_EQ(StatusOf("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n"), 400u);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a b\r\n"), 400u);
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a/b\r\n"), 400u);
  EXPECT_EQ(StatusOf("GET / HTTP/1.0\r\n"), 0u);
  for (const char* host : {"localhost", "127.0.0.1:7431", "[::1]:80", "a-b.example", ""}) {
    EXPECT_EQ(StatusOf(std::string("GET / HTTP/1.1\r\nHost: ") + host + "\r\n"), 0u) << host;
  }
}

TEST(RequestGateTest, LimitsComeFirst) {
  ServerOptions options;
  options.max_uri_bytes = 10;
  Parsed p = Gate("GET /" + std::string(20, 'a') + " HTTP/1.1\r\n\r\n", options);
  ASSERT_TRUE(p.refusal);
  EXPECT_EQ(p.refusal->status, 414u);
  options.body_limit_bytes = 5;
  p = Gate("PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n", options);
  ASSERT_TRUE(p.refusal);
  EXPECT_EQ(p.refusal->status, 413u);
}

TEST(RequestGateTest, RefusalsCloseTheConnection) {
  Response res = RefusalResponse({501, "no"});
  EXPECT_EQ(res.result_int(), 501);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(res[bhttp::field::content_length], std::to_string(res.body().size()));
}

TEST(HeaderGuardTest, PassesOrdinaryResponses) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain; charset=\"\xe9\"");
  res.set("X-Tab", "a\tb");
  res.body() = "v";
  EXPECT_TRUE(GuardHeaders(res));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "v");
}

TEST(HeaderGuardTest, ReplacesAResponseWithAControlByteInAValue) {
  for (const std::string& value :
       {std::string("a\r\nX: y"), std::string("a\n"), std::string("a\r"), std::string("a\0b", 3),
        std::string("\x7f"), std::string("\x01")}) {
    Response res{bhttp::status::ok, 11};
    res.set(bhttp::field::content_type, value);
    res.body() = "secret";
    EXPECT_FALSE(GuardHeaders(res));
    EXPECT_EQ(res.result_int(), 500);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
    EXPECT_EQ(res.body().find("secret"), std::string::npos);
  }
  Response bad_name{bhttp::status::ok, 11};
  bad_name.set("X Bad", "v");
  EXPECT_FALSE(GuardHeaders(bad_name));
}

// A store holding entries written before content types were checked (or by another protocol).
class StaleContentTypeStore final : public testing::FailingStore {
 public:
  std::string stored;
  Result<Entry> Get(std::string_view, std::string_view) override {
    return Entry{.value = "v", .content_type = stored, .info = {.version = 1}};
  }
};

TEST(StoredContentTypeTest, OnlyAMediaTypeIsServedAsIs) {
  StaleContentTypeStore store;
  cache::CacheService cache(store, store.clock());
  Router router;
  AddCacheRoutes(router, cache);
  for (const std::string& stored :
       {std::string("text/html\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK"),
        std::string("a/b\0", 4), std::string("not a type"), std::string("")}) {
    store.stored = stored;
    Routed r = router.Handle(Request{Verb::get, "/v1/cache/ns/k", 11});
    EXPECT_EQ(r.response.result_int(), 200);
    EXPECT_EQ(r.response[bhttp::field::content_type], "application/octet-stream");
    EXPECT_TRUE(GuardHeaders(r.response));
  }
  store.stored = "text/plain; charset=utf-8";
  Routed r = router.Handle(Request{Verb::get, "/v1/cache/ns/k", 11});
  EXPECT_EQ(r.response[bhttp::field::content_type], "text/plain; charset=utf-8");
}

}  // namespace
}  // namespace apicached::http
