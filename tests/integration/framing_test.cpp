// Response splitting and request smuggling against the real binary, over raw sockets (issue 12).
// Each case sends its bytes on a fresh connection with a second, smuggled request behind them
// and reads until the server closes: exactly one response must come back, with the expected
// status, and the connection must be closed (RFC 9112 section 6: a framing error closes).
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

// What came back on one connection.
struct Exchange {
  std::vector<HttpResponse> responses;
  size_t unparsed_bytes = 0;  // bytes after the last whole response (a forged or broken one)
  bool closed = false;
};

Exchange ParseAll(const RawConnection::ReadResult& read) {
  Exchange out;
  out.closed = read.closed;
  std::string_view rest = read.data;
  while (!rest.empty()) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec || !parser.is_done()) break;
    out.responses.push_back(parser.release());
    rest.remove_prefix(used);
  }
  out.unparsed_bytes = rest.size();
  return out;
}

class FramingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DaemonOptions options;
    // A connection the server wrongly keeps open ends after 2 s idle, so a failing case fails
    // quickly instead of waiting for the 10 s read deadline.
    options.args = {"--idle-timeout", "2", "--io-threads", "1"};
    daemon_ = new DaemonProcess(options);
    ASSERT_TRUE(daemon_->Start());
  }
  static void TearDownTestSuite() {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(), 0) << daemon_->output();
      delete daemon_;
      daemon_ = nullptr;
    }
  }
  void TearDown() override { ASSERT_TRUE(daemon_->Healthy()) << daemon_->output(); }

  static Exchange Send(const std::string& bytes) {
    RawConnection raw(daemon_->port());
    raw.Send(bytes);
    return ParseAll(raw.ReadUntilClosed(10s));
  }

  // One response with `status`, problem+json, and the connection closed.
  static void ExpectRefusedAndClosed(const std::string& bytes, unsigned status) {
    SCOPED_TRACE(bytes);
    Exchange ex = Send(bytes);
    ASSERT_EQ(ex.responses.size(), 1u);
    EXPECT_EQ(ex.unparsed_bytes, 0u);
    EXPECT_EQ(ex.responses[0].result_int(), status) << ex.responses[0].body();
    EXPECT_EQ(ex.responses[0][bhttp::field::content_type], "application/problem+json");
    EXPECT_FALSE(ex.responses[0].keep_alive());
    EXPECT_TRUE(ex.closed);
  }

  static DaemonProcess* daemon_;
};

DaemonProcess* FramingTest::daemon_ = nullptr;

// A request that would be answered separately if the bytes before it were taken as a request
// of their own (or as its body).
const std::string kSmuggled = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

std::string Chunked(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  return std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n";
}

TEST_F(FramingTest, UnknownTransferCodingGets501AndClose) {
  for (const char* te : {"xchunked", "gzip", "identity", "chunked;ext=1"}) {
    ExpectRefusedAndClosed(std::string("PUT /v1/cache/smug/a HTTP/1.1\r\nHost: x\r\n") +
                               "Transfer-Encoding: " + te + "\r\n\r\n" + kSmuggled,
                           501);
  }
  HttpClient c(daemon_->port());
  EXPECT_EQ(c.Get("/v1/cache/smug/a").result_int(), 404);
}

TEST_F(FramingTest, GzipThenChunkedGets501AndStoresNothing) {
  ExpectRefusedAndClosed(
      "PUT /v1/cache/smug/gz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
          Chunked("notgzip") + kSmuggled,
      501);
  // The same codings in two fields.
  ExpectRefusedAndClosed(
      "PUT /v1/cache/smug/gz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
          Chunked("notgzip") + kSmuggled,
      501);
  HttpClient c(daemon_->port());
  EXPECT_EQ(c.Get("/v1/cache/smug/gz").result_int(), 404);
}

TEST_F(FramingTest, ChunkedNotFinalGets400AndClose) {
  ExpectRefusedAndClosed(
      "PUT /v1/cache/smug/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n" +
          Chunked(kSmuggled),
      400);
  ExpectRefusedAndClosed(
      "PUT /v1/cache/smug/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" +
          Chunked("x"),
      400);
  ExpectRefusedAndClosed(
      "PUT /v1/cache/smug/b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\n\r\n" + kSmuggled, 400);
}

TEST_F(FramingTest, TransferEncodingWithContentLengthGets400AndClose) {
  const std::string body = Chunked("value");
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  // Either order, and with a coding Beast does not recognise (which it would frame by length).
  for (const std::string& fields :
       {"Transfer-Encoding: chunked\r\n" + length, length + "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip\r\n" + length}) {
    ExpectRefusedAndClosed(
        "PUT /v1/cache/smug/c HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n" + body + kSmuggled, 400);
  }
  HttpClient c(daemon_->port());
  EXPECT_EQ(c.Get("/v1/cache/smug/c").result_int(), 404);
}

TEST_F(FramingTest, TransferEncodingInHttp10Gets400AndClose) {
  ExpectRefusedAndClosed("PUT /v1/cache/smug/d HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             Chunked("v") + kSmuggled,
                         400);
}

TEST_F(FramingTest, HostMissingOrRepeatedGets400AndClose) {
  ExpectRefusedAndClosed("GET /v1/health HTTP/1.1\r\n\r\n" + kSmuggled, 400);
  ExpectRefusedAndClosed("GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + kSmuggled, 400);
  ExpectRefusedAndClosed("GET /v1/health HTTP/1.1\r\nHost: a b\r\n\r\n" + kSmuggled, 400);
  // HTTP/1.0 may leave Host out.
  Exchange ok = Send("GET /v1/health HTTP/1.0\r\n\r\n");
  ASSERT_EQ(ok.responses.size(), 1u);
  EXPECT_EQ(ok.responses[0].result_int(), 200);
}

TEST_F(FramingTest, ChunkedAloneStillWorks) {
  Exchange ex = Send(
      "PUT /v1/cache/smug/ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      Chunked("fine") + "GET /v1/cache/smug/ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(ex.responses.size(), 2u);
  EXPECT_EQ(ex.responses[0].result_int(), 201);
  EXPECT_EQ(ex.responses[1].body(), "fine");
}

// A content type with CR LF given in _mset was stored and written raw into a GET's headers,
// which then carried a second, forged response.
TEST_F(FramingTest, ContentTypeCannotSplitAResponse) {
  const std::string forged =
      "text/html\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged";
  HttpClient c(daemon_->port());
  const std::string mset =
      nlohmann::json{{"entries", {{{"key", "inj"}, {"value", "x"}, {"content_type", forged}}}}}
          .dump();
  auto res = c.Post("/v1/cache/smug/_mset", mset);
  EXPECT_EQ(res.result_int(), 400) << res.body();
  EXPECT_NE(res.body().find("media type"), std::string::npos) << res.body();
  for (const std::string& bad :
       {std::string("text/plain\0", 11), std::string("text/plain\x7f"), std::string("text"),
        std::string("text/plain; charset"), std::string("text/plain extra"),
        std::string("text/plain; a=\"unterminated")}) {
    SCOPED_TRACE(bad);
    const std::string body =
        nlohmann::json{{"entries", {{{"key", "inj"}, {"value", "x"}, {"content_type", bad}}}}}
            .dump();
    EXPECT_EQ(c.Post("/v1/cache/smug/_mset", body).result_int(), 400);
    EXPECT_EQ(c.Put("/v1/cache/smug/inj", "x", {{bhttp::field::content_type, bad}}).result_int(),
              400);
  }
  // Nothing was stored; a GET gets one response and nothing after it.
  Exchange ex = Send("GET /v1/cache/smug/inj HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(ex.responses.size(), 1u);
  EXPECT_EQ(ex.unparsed_bytes, 0u);
  EXPECT_EQ(ex.responses[0].result_int(), 404);
  // Valid media types with parameters are stored and come back as given.
  const std::string good = "text/plain; charset=\"utf-8\";format=flowed";
  EXPECT_EQ(c.Put("/v1/cache/smug/ok-ct", "x", {{bhttp::field::content_type, good}}).result_int(),
            201);
  EXPECT_EQ(c.Get("/v1/cache/smug/ok-ct")[bhttp::field::content_type], good);
}

}  // namespace
}  // namespace apicached::testing
