// Accepting: connections already waiting in the backlog are all taken in one accept
// completion, before the I/O thread serves anything else; sessions are spread over the I/O
// threads.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "tests/net/line_session.h"
#include "tests/support/gate.h"

namespace apicached::net::testing {
namespace {

using apicached::testing::Gate;

TEST(TcpServerAcceptTest, BacklogIsTakenInOneBurst) {
  constexpr size_t kNew = 20;
  EventLog log;
  Gate gate;
  TcpServerOptions options;
  options.io_threads = 1;
  TcpServer server(options, LineFactory(log, [&gate](const std::string& l) {
                     if (l == "block") gate.Enter();  // holds the I/O thread until Open()
                   }));
  ASSERT_TRUE(server.Start().ok());
  Client blocker(server.port());
  blocker.Send("block\n");
  ASSERT_TRUE(gate.WaitEntered());
  // The only I/O thread is held: these connections wait in the kernel's backlog, each with a
  // line already sent.
  std::vector<std::unique_ptr<Client>> fresh;
  for (size_t i = 0; i < kNew; ++i) {
    fresh.push_back(std::make_unique<Client>(server.port()));
    fresh.back()->Send("n\n");
  }
  gate.Open();
  EXPECT_EQ(blocker.ReadLine(), "echo:block");
  for (auto& c : fresh) EXPECT_EQ(c->ReadLine(), "echo:n");
  // Every new connection was accepted before any of their lines was served: one accept
  // completion took them all. (One accept per completion interleaves accepts and lines.)
  const std::vector<std::string> events = log.events();
  size_t accepts_before_first_line = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i] == "line:n") break;
    if (events[i] == "accept") ++accepts_before_first_line;
  }
  EXPECT_EQ(accepts_before_first_line, kNew + 1) << "the blocker's and every new one";
  EXPECT_EQ(server.accepted_connections(), kNew + 1);
  blocker.Send("x\n");
  EXPECT_EQ(blocker.ReadLine(), "echo:x");
  fresh.clear();
  server.Stop();
}

TEST(TcpServerAcceptTest, SessionsAreSpreadOverTheIoThreads) {
  EventLog log;
  std::mutex mu;
  std::set<std::thread::id> threads;
  TcpServerOptions options;
  options.io_threads = 2;
  TcpServer server(options, LineFactory(log, [&](const std::string&) {
                     std::lock_guard lock(mu);
                     threads.insert(std::this_thread::get_id());
                   }));
  ASSERT_TRUE(server.Start().ok());
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    clients.back()->Send("t\n");
    EXPECT_EQ(clients.back()->ReadLine(), "echo:t");
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(threads.size(), 2u) << "round robin over both I/O threads";
}

}  // namespace
}  // namespace apicached::net::testing
