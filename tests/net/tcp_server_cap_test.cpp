// The connection cap: past max_connections a connection reads the front's refusal and is
// closed, and counts as refused; once a connection closes, the next one is served again.
#include <gtest/gtest.h>

#include "tests/net/line_session.h"

namespace apicached::net::testing {
namespace {

constexpr char kMemcachedRefusal[] = "ERROR Too many open connections\r\n";

TcpServerOptions CappedAt(size_t n) {
  TcpServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.max_connections = n;
  o.refusal = kMemcachedRefusal;
  return o;
}

TEST(TcpServerCapTest, OverTheCapReadsTheRefusalAndIsClosed) {
  EventLog log;
  TcpServer server(CappedAt(1), LineFactory(log));
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NE(server.port(), 0) << "port 0 asks the kernel for one";
  auto first = std::make_unique<Client>(server.port());
  first->Send("hi\n");
  EXPECT_EQ(first->ReadLine(), "echo:hi");
  EXPECT_EQ(server.open_connections(), 1u);

  Client second(server.port());
  EXPECT_EQ(second.ReadAll(), kMemcachedRefusal) << "exactly the refusal, then EOF";
  EXPECT_EQ(server.refused_connections(), 1u);
  EXPECT_EQ(server.accepted_connections(), 1u);
  EXPECT_EQ(log.Count("accept"), 1u) << "no session is made for a refused connection";

  first.reset();  // closes; the session goes once its read fails
  ASSERT_TRUE(PollUntil([&] { return server.open_connections() == 0; }));
  Client third(server.port());
  third.Send("again\n");
  EXPECT_EQ(third.ReadLine(), "echo:again");
  server.Stop();
}

TEST(TcpServerCapTest, EmptyRefusalClosesWithoutAWord) {
  EventLog log;
  TcpServerOptions options = CappedAt(0);
  options.refusal.clear();
  TcpServer server(options, LineFactory(log));
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port());
  EXPECT_EQ(client.ReadAll(), "");
  EXPECT_EQ(server.refused_connections(), 1u);
}

TEST(TcpServerCapTest, BadAddressesAreErrors) {
  EventLog log;
  TcpServerOptions options;
  options.address = "not-an-address";
  TcpServer bad(options, LineFactory(log));
  EXPECT_EQ(bad.Start().code(), Code::kInvalidArgument);

  TcpServer first(CappedAt(1), LineFactory(log));
  ASSERT_TRUE(first.Start().ok());
  TcpServerOptions taken = CappedAt(1);
  taken.port = first.port();
  TcpServer second(taken, LineFactory(log));
  EXPECT_EQ(second.Start().code(), Code::kUnavailable) << "the port is in use";
}

}  // namespace
}  // namespace apicached::net::testing
