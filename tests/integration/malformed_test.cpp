// Malformed and hostile input against the real binary. After each case the daemon still answers
// /v1/health and the value stored before is intact.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kMaxConnections = 8;

class MalformedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DaemonOptions options;
    options.args = {
        "--read-timeout",    "1",    "--max-connections", std::to_string(kMaxConnections),
        "--max-value-bytes", "4096", "--max-body-bytes",  "65536",
        "--io-threads",      "2"};
    daemon_ = new DaemonProcess(options);
    ASSERT_TRUE(daemon_->Start());
    HttpClient c(daemon_->port());
    ASSERT_EQ(c.Put("/v1/cache/mal/keep?ttl=0", "precious").result_int(), 201);
  }
  static void TearDownTestSuite() {
    if (daemon_ != nullptr) {
      EXPECT_EQ(daemon_->Stop(), 0) << daemon_->output();
      delete daemon_;
      daemon_ = nullptr;
    }
  }

  void TearDown() override {
    // Connections closed by the test are released asynchronously; health may need a moment
    // when the test used up the connection cap.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!daemon_->Healthy() && std::chrono::steady_clock::now() < deadline) {
      RawConnection probe(daemon_->port());  // also exercises accept while waiting
      probe.ReadUntilClosed(50ms);
    }
    ASSERT_TRUE(daemon_->Healthy()) << daemon_->output();
    HttpClient c(daemon_->port());
    EXPECT_EQ(c.Get("/v1/cache/mal/keep").body(), "precious");
  }

  uint16_t port() const { return daemon_->port(); }

  // Sends bytes on a fresh connection and reads until the server closes (or 10 s).
  RawConnection::ReadResult SendAndRead(const std::string& bytes, bool shutdown_write = false) {
    RawConnection raw(port());
    raw.Send(bytes);
    if (shutdown_write) raw.ShutdownWrite();
    return raw.ReadUntilClosed(10s);
  }

  static unsigned StatusOf(const std::string& data) {
    if (data.rfind("HTTP/1.1 ", 0) != 0 || data.size() < 12) return 0;
    return static_cast<unsigned>(std::stoi(data.substr(9, 3)));
  }

  static DaemonProcess* daemon_;
};

DaemonProcess* MalformedTest::daemon_ = nullptr;

TEST_F(MalformedTest, TruncatedRequestsAreDroppedWithoutStoring) {
  for (const std::string& partial :
       {std::string("GET /v1/cache/mal/keep HTTP/1.1\r\nHost:"), std::string("GE"),
        std::string("PUT /v1/cache/mal/half HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"),
        std::string(
            "PUT /v1/cache/mal/half HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")}) {
    auto r = SendAndRead(partial, /*shutdown_write=*/true);
    EXPECT_TRUE(r.closed) << partial;
    EXPECT_TRUE(r.data.empty() || StatusOf(r.data) == 400) << r.data;
  }
  HttpClient c(port());
  EXPECT_EQ(c.Get("/v1/cache/mal/half").result_int(), 404);
}

TEST_F(MalformedTest, GarbageBytesGet400AndClose) {
  std::mt19937 rng(42);
  std::vector<std::string> inputs = {
      "\r\n\r\n",
      "HELLO\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET /v1/health HTTP/1.1\r\nBad Header\r\n\r\n",
      "GET /v1/health HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "GET /v1/health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      std::string("\0\0\0\0\r\n\r\n", 8)};
  for (int i = 0; i < 20; ++i) {
    std::string junk(200 + i * 37, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    inputs.push_back(junk + "\r\n\r\n");
  }
  for (const std::string& in : inputs) {
    auto r = SendAndRead(in);
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(StatusOf(r.data), 400u) << r.data;
    EXPECT_NE(r.data.find("application/problem+json"), std::string::npos);
  }
}

TEST_F(MalformedTest, OversizedHeadersGet431) {
  auto r = SendAndRead("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'a') +
                       "\r\n\r\n");
  EXPECT_EQ(StatusOf(r.data), 431u) << r.data.substr(0, 200);
  EXPECT_TRUE(r.closed);
  std::string many = "GET /v1/health HTTP/1.1\r\n";
  for (int i = 0; i < 800; ++i) many += "X-H" + std::to_string(i) + ": value\r\n";
  auto r2 = SendAndRead(many + "\r\n");
  EXPECT_EQ(StatusOf(r2.data), 431u);
  // An endless header never finishing is refused too, not buffered without bound.
  auto r3 = SendAndRead("GET /v1/health HTTP/1.1\r\nX-Endless: " + std::string(200000, 'b'));
  EXPECT_EQ(StatusOf(r3.data), 431u);
}

TEST_F(MalformedTest, HugeUriGets414) {
  auto r = SendAndRead("GET /v1/cache/mal/" + std::string(5000, 'k') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusOf(r.data), 414u) << r.data.substr(0, 200);
  auto r2 = SendAndRead("GET /v1/cache/mal/" + std::string(30000, 'k') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusOf(r2.data), 414u) << r2.data.substr(0, 200);
}

TEST_F(MalformedTest, OversizedBodiesGet413) {
  // Announced: refused before the body is sent.
  auto r =
      SendAndRead("PUT /v1/cache/mal/big HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
  EXPECT_EQ(StatusOf(r.data), 413u) << r.data;
  // Chunked: refused while reading.
  std::string chunked =
      "PUT /v1/cache/mal/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunked += "1000\r\n" + std::string(4096, 'x') + "\r\n";
  auto r2 = SendAndRead(chunked);
  EXPECT_EQ(StatusOf(r2.data), 413u) << r2.data.substr(0, 200);
  // Within the body limit but over the value limit: 413 from the store, connection kept.
  HttpClient c(port());
  EXPECT_EQ(c.Put("/v1/cache/mal/big", std::string(5000, 'x')).result_int(), 413);
  EXPECT_EQ(c.Get("/v1/cache/mal/big").result_int(), 404);
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(MalformedTest, PutWithoutLengthGets411) {
  RawConnection raw(port());
  raw.Send("PUT /v1/cache/mal/nolen HTTP/1.1\r\nHost: x\r\n\r\n");
  auto res = raw.ReadResponses(1, 10s);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].result_int(), 411);
}

TEST_F(MalformedTest, InvalidJsonGets400AndKeepsTheConnection) {
  HttpClient c(port());
  for (const char* body : {"{bad", "", "null", "[]", "{\"keys\": [1, {}]}", "\xFF\xFE",
                           "{\"keys\":[\"a\"]} trailing"}) {
    auto res = c.Post("/v1/cache/mal/_mget", body);
    EXPECT_EQ(res.result_int(), 400) << body;
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
  }
  auto deep = c.Post("/v1/cache/mal/_mset", std::string(30000, '[') + std::string(30000, ']'));
  EXPECT_EQ(deep.result_int(), 400);
  EXPECT_EQ(c.connects(), 1);
}

TEST_F(MalformedTest, BadChunkedEncodingGets400) {
  for (const std::string& body :
       {std::string("ZZ\r\nabc\r\n0\r\n\r\n"), std::string("3\r\nabcdef\r\n0\r\n\r\n"),
        std::string("ffffffffffffffffffff\r\n")}) {
    auto r = SendAndRead(
        "PUT /v1/cache/mal/chunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
    EXPECT_TRUE(StatusOf(r.data) == 400u || StatusOf(r.data) == 413u) << r.data;
    EXPECT_TRUE(r.closed);
  }
  HttpClient c(port());
  EXPECT_EQ(c.Get("/v1/cache/mal/chunk").result_int(), 404);
}

TEST_F(MalformedTest, SlowClientsAreDisconnectedByTheReadTimeout) {
  const auto start = std::chrono::steady_clock::now();
  RawConnection silent(port());  // never sends a byte
  RawConnection slow(port());    // starts a request, never finishes it
  slow.Send("GET /v1/health HTTP/1.1\r\nHost: x\r\n");
  auto a = slow.ReadUntilClosed(10s);
  auto b = silent.ReadUntilClosed(10s);
  EXPECT_TRUE(a.closed);
  EXPECT_TRUE(b.closed);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 900ms);  // --read-timeout 1
  EXPECT_LT(took, 8s);
}

TEST_F(MalformedTest, ConnectionsOverTheCapGet503) {
  std::vector<std::unique_ptr<HttpClient>> held;
  for (int i = 0; i < kMaxConnections; ++i) {
    held.push_back(std::make_unique<HttpClient>(port()));
    ASSERT_EQ(held.back()->Get("/v1/health").result_int(), 200);
  }
  auto r = SendAndRead("GET /v1/health HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(r.data.empty() || StatusOf(r.data) == 503u) << r.data;
  EXPECT_TRUE(r.closed);
  // The held connections still work.
  for (auto& c : held) EXPECT_EQ(c->Get("/v1/cache/mal/keep").body(), "precious");
  held.clear();  // TearDown waits for the slots to free up
}

}  // namespace
}  // namespace apicached::testing
