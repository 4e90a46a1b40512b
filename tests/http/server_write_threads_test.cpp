// Server: handlers of writes (every method but GET and HEAD, unless their route says the write
// will not wait) run on the write threads, so a write that waits for the store (RocksDB holds
// writes back while it creates a namespace) never holds up the reads of the other connections of
// its I/O thread; Stop() waits for a write in progress.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "storage/write_deferral.h"
#include "tests/http/text_response.h"
#include "tests/support/gate.h"
#include "tests/support/http_client.h"

namespace apicached::http {
namespace {

using apicached::testing::Gate;
using apicached::testing::RawConnection;
using namespace std::chrono_literals;
using testing::TextResponse;

class ServerWriteThreadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(Verb::get, "/r",
                [](const RequestContext& ctx) { return TextResponse(ctx, "read"); });
    router_.Add(Verb::put, "/w", [this](const RequestContext& ctx) {
      gate_.Enter();
      return TextResponse(ctx, "written");
    });
  }

  // A handler that records the thread it ran on under name, and answers name.
  Handler Recording(std::string name) {
    return [this, name](const RequestContext& ctx) {
      std::lock_guard lock(mu_);
      ran_on_[name] = std::this_thread::get_id();
      return TextResponse(ctx, name);
    };
  }

  std::thread::id RanOn(const std::string& name) {
    std::lock_guard lock(mu_);
    return ran_on_[name];
  }

  // On a server with one I/O thread and one write thread: a GET of the recording route /g, then
  // requests (n of them) on the same connection; returns the answers, the GET's first.
  std::vector<Response> Exchange(const std::string& requests, size_t n) {
    router_.Add(Verb::get, "/g", Recording("get"));
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.write_threads = 1;
    Server server(options, router_);
    if (!server.Start().ok()) return {};
    RawConnection conn(server.port());
    if (!conn.Send("GET /g HTTP/1.1\r\nHost: t\r\n\r\n" + requests)) return {};
    auto answers = conn.ReadResponses(n + 1, 10s);
    server.Stop();
    return answers;
  }

  Router router_;
  Gate gate_;
  std::mutex mu_;
  std::map<std::string, std::thread::id> ran_on_;
};

TEST_F(ServerWriteThreadsTest, AReadIsAnsweredWhileAWriteOnTheSameIoThreadWaits) {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;  // both connections on one I/O thread
  options.write_threads = 1;
  Server server(options, router_);
  ASSERT_TRUE(server.Start().ok());
  RawConnection writer(server.port());
  ASSERT_TRUE(writer.Send("PUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"));
  ASSERT_TRUE(gate_.WaitEntered());
  // With the write's handler on the I/O thread this read would wait for the gate (forever).
  RawConnection reader(server.port());
  ASSERT_TRUE(reader.Send("GET /r HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto read = reader.ReadResponses(1, 10s);
  gate_.Open();
  ASSERT_EQ(read.size(), 1u) << "the read waited for the write";
  EXPECT_EQ(read[0].body(), "read");
  auto written = writer.ReadResponses(1, 10s);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].body(), "written");
  // The connection goes on after an answer from a write thread: a pipelined read and write.
  ASSERT_TRUE(writer.Send(
      "GET /r HTTP/1.1\r\nHost: t\r\n\r\nPUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
  auto both = writer.ReadResponses(2, 10s);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].body(), "read");
  EXPECT_EQ(both[1].body(), "written");
  server.Stop();
}

// A POST route added as reads_only (_mget) runs where GET runs, on the I/O thread; any other
// POST on a write thread.
TEST_F(ServerWriteThreadsTest, AReadsOnlyPostRunsOnTheIoThread) {
  router_.Add(Verb::post, "/batch/_read", Recording("reads_only"),
              RouteOptions{.reads_only = true});
  router_.Add(Verb::post, "/batch/{op}", Recording("post"));
  auto answers = Exchange(
      "POST /batch/_read HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
      "POST /batch/write HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
      2);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1].body(), "reads_only");
  EXPECT_EQ(answers[2].body(), "post");
  EXPECT_EQ(RanOn("reads_only"), RanOn("get"));
  EXPECT_NE(RanOn("post"), RanOn("get"));
}

// A write route whose quick_write_if says the write will not wait runs on the I/O thread, with the
// path parameters and query it will be handled with; when it says no, on a write thread.
TEST_F(ServerWriteThreadsTest, AQuickWriteRunsOnTheIoThreadAndAnotherOnAWriteThread) {
  std::vector<std::string> asked;  // by the I/O thread only
  router_.Add(
      Verb::put, "/ns/{ns}/{key}",
      [this](const RequestContext& ctx) { return Recording(ctx.Param("ns"))(ctx); },
      RouteOptions{.quick_write_if = [&](const RequestContext& ctx) {
        asked.push_back(ctx.Param("ns") + "/" + ctx.Param("key") + "?" +
                        std::string(ctx.Query("t").value_or("-")));
        return ctx.Param("ns") == "quick";
      }});
  auto answers = Exchange(
      "PUT /ns/quick/a%2Fb?t=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
      "PUT /ns/slow/k HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n",
      2);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1].body(), "quick");
  EXPECT_EQ(answers[2].body(), "slow");
  EXPECT_EQ(asked, (std::vector<std::string>{"quick/a/b?1", "slow/k?-"}));
  EXPECT_EQ(RanOn("quick"), RanOn("get"));
  EXPECT_NE(RanOn("slow"), RanOn("get"));
}

// Stop() with a write's handler still running past the grace period: the connection is closed,
// Stop() waits for the handler, and its answer meets a closed connection.
TEST_F(ServerWriteThreadsTest, StopWaitsForAWriteStillRunningAfterTheGrace) {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.write_threads = 1;
  options.shutdown_grace = 50ms;
  std::atomic<bool> returned{false};
  router_.Add(Verb::post, "/slow", [&](const RequestContext& ctx) {
    gate_.Enter();
    returned = true;
    return TextResponse(ctx, "late");
  });
  auto server = std::make_unique<Server>(options, router_);
  ASSERT_TRUE(server->Start().ok());
  RawConnection writer(server->port());
  ASSERT_TRUE(writer.Send("POST /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(gate_.WaitEntered());
  std::thread opener([&] {
    // The server closes the connection once the grace is over; the handler goes on until now.
    EXPECT_TRUE(writer.ReadUntilClosed(10s).closed);
    gate_.Open();
  });
  server->Stop();
  EXPECT_TRUE(returned.load()) << "Stop() returned while a handler was running";
  opener.join();
  server.reset();
}

// Group commit (ServerOptions::committer): a handler runs inside a WriteDeferral; the answer of a
// request that deferred a write leaves only after its commit, and a failed commit answers 503.
class CountingCommitter final : public WriteCommitter {
 public:
  Status CommitWrites() override {
    ++commits;
    return fail ? Status::Unavailable("log write failed") : Status::Ok();
  }
  std::atomic<int> commits{0};
  std::atomic<bool> fail{false};
};

class ServerGroupCommitTest : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override {
    router_.Add(Verb::get, "/r",
                [](const RequestContext& ctx) { return TextResponse(ctx, "read"); });
    router_.Add(Verb::put, "/w", [](const RequestContext& ctx) {
      // What a store does with a write inside a deferral (storage/write_deferral.h).
      if (WriteDeferral::Active()) WriteDeferral::Note();
      return TextResponse(ctx, "written");
    });
    options_.port = 0;
    options_.io_threads = 1;
    options_.write_threads = GetParam();
    options_.committer = &committer_;
  }

  Router router_;
  CountingCommitter committer_;
  ServerOptions options_;
};

TEST_P(ServerGroupCommitTest, AWriteIsAnsweredAfterItsCommitAndAReadNeedsNone) {
  Server server(options_, router_);
  ASSERT_TRUE(server.Start().ok());
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("GET /r HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto read = c.ReadResponses(1, 10s);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(committer_.commits.load(), 0);
  ASSERT_TRUE(c.Send("PUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx"));
  auto written = c.ReadResponses(1, 10s);
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0].result_int(), 200);
  EXPECT_EQ(committer_.commits.load(), 1);
  server.Stop();
}

TEST_P(ServerGroupCommitTest, AFailedCommitAnswers503AndTheConnectionGoesOn) {
  committer_.fail = true;
  Server server(options_, router_);
  ASSERT_TRUE(server.Start().ok());
  RawConnection c(server.port());
  ASSERT_TRUE(
      c.Send("PUT /w HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nxGET /r HTTP/1.1\r\nHost: "
             "t\r\n\r\n"));
  auto answers = c.ReadResponses(2, 10s);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].result_int(), 503) << "a write was acknowledged without its commit";
  EXPECT_EQ(answers[0][boost::beast::http::field::content_type], "application/problem+json");
  EXPECT_EQ(answers[1].body(), "read");
  server.Stop();
}

INSTANTIATE_TEST_SUITE_P(WriteThreads, ServerGroupCommitTest, ::testing::Values(0u, 1u));

}  // namespace
}  // namespace apicached::http
