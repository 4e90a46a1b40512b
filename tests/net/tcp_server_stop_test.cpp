// Graceful stop: idle sessions close at once, a session with a request in flight is asked to
// finish (Shutdown, on its own thread) and answers before the close; a session that does not
// finish within shutdown_grace is force-closed. No session method runs after Stop() returns.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/net/line_session.h"

namespace apicached::net::testing {
namespace {

TEST(TcpServerStopTest, InFlightRequestIsAnsweredThenClosed) {
  EventLog log;
  TcpServerOptions options;
  options.shutdown_grace = 30s;  // never reached: the sessions finish first
  TcpServer server(options, LineFactory(log));
  ASSERT_TRUE(server.Start().ok());
  Client idle(server.port());
  idle.Send("hello\n");
  EXPECT_EQ(idle.ReadLine(), "echo:hello");
  Client busy(server.port());
  busy.Send("hold\n");
  ASSERT_TRUE(log.WaitFor("line:hold", 1));

  const auto start = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s) << "did not wait out the grace";
  EXPECT_EQ(busy.ReadAll(), "bye\n") << "the held request was answered";
  EXPECT_EQ(idle.ReadAll(), "") << "the idle one was closed";
  EXPECT_EQ(log.Count("shutdown"), 2u);
  EXPECT_EQ(log.Count("force_close"), 0u);
  EXPECT_EQ(server.open_connections(), 0u);
  server.Stop();  // idempotent
}

TEST(TcpServerStopTest, StubbornSessionIsForceClosedAfterTheGrace) {
  EventLog log;
  TcpServerOptions options;
  options.shutdown_grace = 50ms;
  TcpServer server(options, LineFactory(log));
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port());
  client.Send("stubborn\n");
  ASSERT_TRUE(log.WaitFor("line:stubborn", 1));
  server.Stop();
  EXPECT_EQ(log.Count("force_close"), 1u);
  EXPECT_EQ(client.ReadAll(), "");
  EXPECT_EQ(server.open_connections(), 0u);
}

TEST(TcpServerStopTest, NewConnectionsAreRefusedAfterStop) {
  EventLog log;
  TcpServer server(TcpServerOptions{}, LineFactory(log));
  ASSERT_TRUE(server.Start().ok());
  const uint16_t port = server.port();
  server.Stop();
  EXPECT_THROW(Client{port}, boost::system::system_error);
  EXPECT_EQ(log.Count("accept"), 0u);
}

TEST(TcpServerStopTest, StopWithoutStartIsHarmless) {
  EventLog log;
  TcpServer server(TcpServerOptions{}, LineFactory(log));
  server.Stop();
  EXPECT_EQ(server.open_connections(), 0u);
}

}  // namespace
}  // namespace apicached::net::testing
