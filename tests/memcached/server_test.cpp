// The memcached listener over real loopback sockets, in-process on port 0: pipelining, commands
// split over many reads, a too-large block discarded as it arrives, the closing rules,
// authentication and the connection cap.
#include "memcached/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "cache/cache_service.h"
#include "storage/store.h"
#include "tests/support/http_client.h"
#include "tests/support/read_until.h"
#include "tests/support/small_store.h"
#include "tests/support/temp_dir.h"

namespace apicached::memcached {
namespace {

using testing::RawConnection;
using testing::ReadUntil;
using namespace std::chrono_literals;

class TokenCheck final : public Authenticator {
 public:
  bool Required() const override { return true; }
  bool Check(std::string_view, std::string_view password) const override {
    return password == "s3cret";
  }
};

// Counts the commits of group commit (net/group_commit.h) and can fail them.
class CountingCache final : public cache::CacheService {
 public:
  using CacheService::CacheService;
  Status CommitWrites() override {
    ++commits;
    if (fail) return Status::Unavailable("log write failed");
    return CacheService::CommitWrites();
  }
  std::atomic<int> commits{0};
  std::atomic<bool> fail{false};
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    auto cache = std::make_unique<CountingCache>(*store_, clock_);
    counting_ = cache.get();
    cache_ = std::move(cache);
  }

  void StartServer(const Authenticator* auth = nullptr, size_t max_connections = 16,
                   net::Timeouts timeouts = {}) {
    ServerOptions o;
    o.tcp.timeouts = timeouts;
    o.tcp.io_threads = 2;
    o.tcp.max_connections = max_connections;
    o.session.parser.max_item_bytes = 1000;
    o.session.read_bytes = 512;  // small reads: commands and blocks span several
    server_ = std::make_unique<Server>(o, *cache_, auth);
    ASSERT_TRUE(server_->Start().ok());
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  CountingCache* counting_ = nullptr;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, PipelinedSetsShareCommitsAndAreAnsweredAfterThem) {
  StartServer();
  RawConnection c(server_->port());
  std::string request, expected;
  for (int i = 0; i < 20; ++i) {
    request += "set k" + std::to_string(i) + " 0 0 1\r\nv\r\n";
    expected += "STORED\r\n";
  }
  ASSERT_TRUE(c.Send(request + "mn\r\n"));
  EXPECT_EQ(ReadUntil(c, "MN\r\n"), expected + "MN\r\n");
  EXPECT_GE(counting_->commits.load(), 1);
  EXPECT_LT(counting_->commits.load(), 20) << "one commit per set: no grouping";
}

TEST_F(ServerTest, AFailedCommitAnswersEveryWriteWithAnError) {
  StartServer();
  counting_->fail = true;
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("set a 0 0 1\r\n1\r\nget zz\r\nset b 0 0 1\r\n2\r\nmn\r\n"));
  EXPECT_EQ(ReadUntil(c, "MN\r\n"),
            "SERVER_ERROR temporarily unavailable\r\nEND\r\n"
            "SERVER_ERROR temporarily unavailable\r\nMN\r\n");
}

TEST_F(ServerTest, APipelineInOneWriteIsAnsweredInOrder) {
  StartServer();
  RawConnection c(server_->port());
  std::string request, expected;
  for (int i = 0; i < 300; ++i) {
    const std::string k = "key" + std::to_string(i), v = "value" + std::to_string(i);
    request += "set " + k + " " + std::to_string(i) + " 0 " + std::to_string(v.size()) + "\r\n" +
               v + "\r\nget " + k + "\r\n";
    expected += "STORED\r\nVALUE " + k + " " + std::to_string(i) + " " + std::to_string(v.size()) +
                "\r\n" + v + "\r\nEND\r\n";
  }
  request += "mn\r\n";
  expected += "MN\r\n";
  ASSERT_TRUE(c.Send(request));
  EXPECT_EQ(ReadUntil(c, "MN\r\n"), expected);
}

TEST_F(ServerTest, ACommandSplitIntoSingleBytesStillParses) {
  StartServer();
  RawConnection c(server_->port());
  const std::string value(900, 'v');
  for (char ch : "set k 1 0 900\r\n" + value + "\r\nget k\r\n") ASSERT_TRUE(c.Send({&ch, 1}));
  EXPECT_EQ(ReadUntil(c, "END\r\n"), "STORED\r\nVALUE k 1 900\r\n" + value + "\r\nEND\r\n");
}

TEST_F(ServerTest, ATooLargeBlockIsDiscardedAsItArrives) {
  StartServer();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("set k 0 0 5000\r\n"));
  EXPECT_EQ(ReadUntil(c, "\r\n"), "SERVER_ERROR object too large for cache\r\n");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.Send(std::string(500, 'x')));
  ASSERT_TRUE(c.Send("\r\nmn\r\n"));
  EXPECT_EQ(ReadUntil(c, "MN\r\n"), "MN\r\n");
}

TEST_F(ServerTest, QuitClosesTheConnection) {
  StartServer();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("version\r\nquit\r\nversion\r\n"));
  auto r = c.ReadUntilClosed(10s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data, "VERSION 1.6.18-apicached\r\n");
}

TEST_F(ServerTest, AnEndlessLineClosesTheConnection) {
  StartServer();
  RawConnection c(server_->port());
  c.Send(std::string(5000, 'x'));
  auto r = c.ReadUntilClosed(10s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data, "");
}

TEST_F(ServerTest, AuthenticationComesFirst) {
  TokenCheck auth;
  StartServer(&auth);
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("get a\r\n"));
  EXPECT_EQ(ReadUntil(c, "\r\n"), "CLIENT_ERROR unauthenticated\r\n");
  ASSERT_TRUE(c.Send("set a 0 0 10\r\nuser wrong\r\n"));
  EXPECT_EQ(ReadUntil(c, "\r\n"), "CLIENT_ERROR authentication failure\r\n");
  ASSERT_TRUE(c.Send("set a 0 0 11\r\nuser s3cret\r\nversion\r\n"));
  EXPECT_EQ(ReadUntil(c, "VERSION 1.6.18-apicached\r\n"), "STORED\r\nVERSION 1.6.18-apicached\r\n");
}

TEST_F(ServerTest, OverTheCapAClientGetsMemcachedsRefusal) {
  StartServer(nullptr, 1);
  RawConnection first(server_->port());
  ASSERT_TRUE(first.Send("version\r\n"));
  ASSERT_EQ(ReadUntil(first, "\r\n"), "VERSION 1.6.18-apicached\r\n");
  RawConnection second(server_->port());
  auto r = second.ReadUntilClosed(10s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.data, "ERROR Too many open connections\r\n");
}

// The idle and read timeouts (one lazily re-armed timer per connection, net/buffered_session.h):
// a silent connection is closed after the idle timeout, one with a command partly sent after the
// (shorter) read timeout, although the idle deadline was armed first.
TEST_F(ServerTest, IdleAndReadTimeoutsCloseConnections) {
  StartServer(nullptr, 16, {.read = 300ms, .idle = 1500ms, .write = 10s});
  const auto start = std::chrono::steady_clock::now();
  RawConnection silent(server_->port());
  RawConnection partial(server_->port());
  ASSERT_TRUE(partial.Send("version\r\n"));
  ASSERT_EQ(ReadUntil(partial, "\r\n"), "VERSION 1.6.18-apicached\r\n");
  ASSERT_TRUE(partial.Send("get ke"));
  EXPECT_TRUE(partial.ReadUntilClosed(10s).closed);
  const auto partial_closed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(partial_closed, 250ms);
  EXPECT_LT(partial_closed, 1400ms) << "the read timeout, not the idle one";
  EXPECT_TRUE(silent.ReadUntilClosed(10s).closed);
  const auto silent_closed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(silent_closed, 1400ms);
  EXPECT_LT(silent_closed, 8s);
}

// A connection that keeps sending commands stays open past many idle timeouts: the timer that
// fires before the connection's latest deadline re-arms instead of closing it. The timeouts are
// the server's real-clock timers: a silent witness connection beside the busy one shows when one
// has passed (the server closes it), three times over.
TEST_F(ServerTest, ABusyConnectionOutlivesTheIdleTimeout) {
  StartServer(nullptr, 16, {.read = 10s, .idle = 800ms, .write = 10s});
  RawConnection c(server_->port());
  const auto start = std::chrono::steady_clock::now();
  for (int timeouts = 0; timeouts < 3; ++timeouts) {
    RawConnection witness(server_->port());
    bool witness_closed = false;
    while (!witness_closed) {
      ASSERT_LT(std::chrono::steady_clock::now() - start, 20s) << "no idle timeout fired";
      ASSERT_TRUE(c.Send("version\r\n"));
      ASSERT_EQ(ReadUntil(c, "\r\n"), "VERSION 1.6.18-apicached\r\n");
      // Waits for the witness's close, at most 50 ms: the busy client's pace.
      witness_closed = witness.ReadUntilClosed(50ms).closed;
    }
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2400ms);
  ASSERT_TRUE(c.Send("version\r\n"));
  ASSERT_EQ(ReadUntil(c, "\r\n"), "VERSION 1.6.18-apicached\r\n");
  const auto idle_from = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.ReadUntilClosed(10s).closed);
  EXPECT_GE(std::chrono::steady_clock::now() - idle_from, 700ms);
}

TEST_F(ServerTest, StopClosesIdleConnections) {
  StartServer();
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("version\r\n"));
  ASSERT_EQ(ReadUntil(c, "\r\n"), "VERSION 1.6.18-apicached\r\n");
  server_->Stop();
  EXPECT_TRUE(c.ReadUntilClosed(10s).closed);
}

}  // namespace
}  // namespace apicached::memcached
