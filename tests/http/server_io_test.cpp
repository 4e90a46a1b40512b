// Server over plain TCP: the wait for a request keeps its deadlines (read_timeout for a new
// connection, idle_timeout between requests, re-armed while a client stays busy), and an answer
// larger than the socket takes at once is written whole, in order, with the connection kept.
// These are the paths of net/read_deadline.h and of the non-blocking first write.
//
// The timeouts are the server's real-clock timers, as in the memcached and Redis servers'
// tests: a silent witness connection beside the busy one shows when one has passed.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <string>
#include <vector>

#include "http/server.h"
#include "tests/http/text_response.h"
#include "tests/support/http_client.h"

namespace apicached::http {
namespace {

using apicached::testing::RawConnection;
using namespace std::chrono_literals;
using testing::TextResponse;
using Clock = std::chrono::steady_clock;

constexpr char kHealth[] = "GET /ok HTTP/1.1\r\nHost: t\r\n\r\n";

class ServerIoTest : public ::testing::Test {
 protected:
  void Start(std::chrono::milliseconds read_timeout, std::chrono::milliseconds idle_timeout) {
    router_.Add(Verb::get, "/ok",
                [](const RequestContext& ctx) { return TextResponse(ctx, "ok"); });
    router_.Add(Verb::get, "/big",
                [this](const RequestContext& ctx) { return TextResponse(ctx, big_); });
    router_.Add(Verb::put, "/echo",
                [](const RequestContext& ctx) { return TextResponse(ctx, ctx.request().body()); });
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.read_timeout = read_timeout;
    options.idle_timeout = idle_timeout;
    server_ = std::make_unique<Server>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  static void Ok(RawConnection& c) {
    ASSERT_TRUE(c.Send(kHealth));
    auto answers = c.ReadResponses(1, 10s);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].body(), "ok");
  }

  Router router_;
  std::string big_;
  std::unique_ptr<Server> server_;
};

// A connection that never sends is closed after read_timeout; one that was answered and then
// sends nothing, after idle_timeout; one that stops in the middle of a request, after
// read_timeout again.
TEST_F(ServerIoTest, EachWaitHasItsTimeout) {
  Start(/*read_timeout=*/300ms, /*idle_timeout=*/1500ms);
  const auto start = Clock::now();
  RawConnection silent(server_->port());
  RawConnection idle(server_->port());
  RawConnection partial(server_->port());
  Ok(idle);
  Ok(partial);
  ASSERT_TRUE(partial.Send("GET /ok HTTP/1.1\r\nHo"));
  EXPECT_TRUE(silent.ReadUntilClosed(10s).closed);
  EXPECT_TRUE(partial.ReadUntilClosed(10s).closed);
  const auto early = Clock::now() - start;
  EXPECT_GE(early, 250ms);
  EXPECT_LT(early, 1400ms) << "the read timeout, not the idle one";
  EXPECT_TRUE(idle.ReadUntilClosed(10s).closed);
  const auto late = Clock::now() - start;
  EXPECT_GE(late, 1400ms) << "an answered connection waits idle_timeout";
  EXPECT_LT(late, 8s);
}

// A request's body that is not all there with its header is read on, and the request's
// read_timeout runs from its first byte: a body that stops coming closes the connection then,
// not idle_timeout later.
TEST_F(ServerIoTest, ABodyIsReadOnWithinTheRequestsReadTimeout) {
  Start(/*read_timeout=*/300ms, /*idle_timeout=*/3s);
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello"));
  ASSERT_TRUE(c.Send("world"));
  auto answers = c.ReadResponses(1, 10s);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].body(), "helloworld");
  // The same split with a pipelined request behind the body, in one send.
  ASSERT_TRUE(c.Send(std::string("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc") +
                     kHealth));
  answers = c.ReadResponses(2, 10s);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].body(), "abc");
  EXPECT_EQ(answers[1].body(), "ok");

  RawConnection stalled(server_->port());
  Ok(stalled);
  const auto start = Clock::now();
  ASSERT_TRUE(stalled.Send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello"));
  EXPECT_TRUE(stalled.ReadUntilClosed(10s).closed);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2500ms) << "the read timeout, not the idle one";
}

// A connection that keeps sending requests stays open past many idle timeouts: the timer that
// fires before the connection's latest deadline re-arms instead of closing it.
TEST_F(ServerIoTest, ABusyConnectionOutlivesTheIdleTimeout) {
  Start(/*read_timeout=*/10s, /*idle_timeout=*/800ms);
  RawConnection c(server_->port());
  const auto start = Clock::now();
  for (int timeouts = 0; timeouts < 3; ++timeouts) {
    RawConnection witness(server_->port());
    Ok(witness);  // now idle: closed after idle_timeout
    bool witness_closed = false;
    while (!witness_closed) {
      ASSERT_LT(Clock::now() - start, 20s) << "no idle timeout fired";
      Ok(c);
      witness_closed = witness.ReadUntilClosed(50ms).closed;  // the busy client's pace
    }
  }
  EXPECT_GE(Clock::now() - start, 2400ms);
  Ok(c);
  const auto idle_from = Clock::now();
  EXPECT_TRUE(c.ReadUntilClosed(10s).closed);
  EXPECT_GE(Clock::now() - idle_from, 700ms);
}

// 32 MiB is more than the socket buffers hold (the server's send buffer grows to tcp_wmem's
// maximum, 4 MiB by default; the client's receive buffer is fixed at 256 KiB): the first write
// stops part way and the rest goes asynchronously. The client must
// read that answer byte for byte and then the next one on the same connection.
TEST_F(ServerIoTest, AnAnswerLargerThanTheSocketTakesArrivesWhole) {
  big_.resize(32 << 20);
  for (size_t i = 0; i < big_.size(); ++i)
    big_[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  Start(10s, 10s);
  RawConnection c(server_->port());
  const int receive_buffer = 256 << 10;
  ASSERT_EQ(::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer), 0);
  ASSERT_TRUE(c.Send(std::string("GET /big HTTP/1.1\r\nHost: t\r\n\r\n") + kHealth));
  auto answers = c.ReadResponses(2, 60s);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].result_int(), 200u);
  EXPECT_TRUE(answers[0].body() == big_)
      << "the large answer arrived changed, " << answers[0].body().size() << " bytes";
  EXPECT_EQ(answers[1].body(), "ok");
  Ok(c);
}

}  // namespace
}  // namespace apicached::http
