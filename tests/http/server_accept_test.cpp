// Server: a burst of new connections is accepted at once even while the I/O thread is busy with
// the connections it already has (fairness of accept against request handling).
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "tests/http/text_response.h"
#include "tests/support/http_client.h"

namespace apicached::http {
namespace {

using apicached::testing::RawConnection;
using namespace std::chrono_literals;

// The order in which the handlers ran, and a gate: the busy request that completes "every busy
// connection was served once" blocks the (only) I/O thread until the test opens the gate.
class HandlerLog {
 public:
  explicit HandlerLog(size_t busy_connections) : busy_connections_(busy_connections) {}

  void Busy(const std::string& id) {
    std::unique_lock lock(mu_);
    log_.push_back("busy");
    busy_ids_.insert(id);
    if (!gate_entered_ && busy_ids_.size() == busy_connections_) {
      gate_entered_ = true;
      gate_index_ = log_.size();
      cv_.notify_all();
      cv_.wait(lock, [this] { return gate_open_; });
    }
  }

  void New() {
    std::lock_guard lock(mu_);
    log_.push_back("new");
    ++new_served_;
    cv_.notify_all();
  }

  bool WaitForGate() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [this] { return gate_entered_; });
  }

  void OpenGate() {
    std::lock_guard lock(mu_);
    gate_open_ = true;
    cv_.notify_all();
  }

  bool WaitForNew(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [this, n] { return new_served_ >= n; });
  }

  // Busy requests served after the gate opened and before the last new connection's request.
  size_t BusyServedBeforeLastNew() const {
    std::lock_guard lock(mu_);
    size_t last_new = gate_index_;
    for (size_t i = gate_index_; i < log_.size(); ++i) {
      if (log_[i] == "new") last_new = i;
    }
    size_t busy = 0;
    for (size_t i = gate_index_; i < last_new; ++i) busy += log_[i] == "busy" ? 1 : 0;
    return busy;
  }

 private:
  const size_t busy_connections_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> log_;
  std::set<std::string> busy_ids_;
  size_t gate_index_ = 0;
  size_t new_served_ = 0;
  bool gate_entered_ = false;
  bool gate_open_ = false;
};

Response Ok(const RequestContext& ctx) {
  return testing::TextResponse(ctx, "ok");
}

// With one I/O thread kept busy by pipelined requests, kNew connections that arrive together
// must all be taken from the backlog at once. Accepting one per turn of the I/O thread's queue
// (the old behaviour) lets every busy connection be served about kNew / 2 times before the last
// new connection gets its first answer: with 200 wrk connections that was a p99 over 2 s.
TEST(ServerAcceptTest, BurstOfNewConnectionsIsNotServedBehindBusyOnes) {
  constexpr size_t kBusy = 16;
  constexpr size_t kRequestsPerBusy = 100;
  constexpr size_t kNew = 32;
  HandlerLog log(kBusy);
  Router router;
  router.Add(Verb::get, "/busy/{id}", [&log](const RequestContext& ctx) {
    log.Busy(ctx.Param("id"));
    return Ok(ctx);
  });
  router.Add(Verb::get, "/new", [&log](const RequestContext& ctx) {
    log.New();
    return Ok(ctx);
  });
  ServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  Server server(options, router);
  ASSERT_TRUE(server.Start().ok());

  std::vector<std::unique_ptr<RawConnection>> busy;
  for (size_t c = 0; c < kBusy; ++c) {
    busy.push_back(std::make_unique<RawConnection>(server.port()));
    std::string pipeline;
    for (size_t r = 0; r < kRequestsPerBusy; ++r) {
      pipeline += "GET /busy/" + std::to_string(c) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }
    ASSERT_TRUE(busy.back()->Send(pipeline));
  }
  // The I/O thread now blocks in a handler with every busy connection accepted and plenty of
  // its requests left; the new connections complete their handshakes in the kernel's backlog.
  ASSERT_TRUE(log.WaitForGate()) << "the busy connections were never all served";
  std::vector<std::unique_ptr<RawConnection>> fresh;
  for (size_t c = 0; c < kNew; ++c) {
    fresh.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(fresh.back()->Send("GET /new HTTP/1.1\r\nHost: t\r\n\r\n"));
  }
  log.OpenGate();
  ASSERT_TRUE(log.WaitForNew(kNew)) << "not every new connection was answered";
  for (auto& c : fresh) {
    auto answers = c->ReadResponses(1, 10s);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].result_int(), 200u);
  }

  // Accepted together, each new request is served within a few turns of the queue, in each of
  // which a busy connection gets at most one request: a few times kBusy. Accepted one per turn,
  // it is about kNew * kBusy / 2 (256 here).
  EXPECT_LE(log.BusyServedBeforeLastNew(), 4 * kBusy);
  // Clients go first: a busy connection still answering at Stop() would linger for its peer.
  busy.clear();
  fresh.clear();
  server.Stop();
}

size_t OpenDescriptors() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

// accept() out of file descriptors (EMFILE): the server runs in a forked child whose
// RLIMIT_NOFILE leaves room for a handful of connections only; every connection past those must
// read the 503, not sit unanswered in the backlog (the old behaviour dropped the failed accept
// and, the listening socket staying readable, spun on it).
TEST(ServerAcceptTest, OutOfDescriptorsAnswers503InsteadOfSilence) {
  int ready[2];
  int done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(done[1]);
    Router router;
    router.Add(Verb::get, "/x", [](const RequestContext& ctx) { return Ok(ctx); });
    ServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.max_connections = 1000;  // the cap is not what refuses here
    options.read_timeout = 60s;
    // No write threads: they are Asio threads, and each one's start passes UBSan's vptr check
    // (below) in the thread itself, whenever the scheduler first runs it. On a loaded machine one
    // can first run after the limit is lowered and fail that check (CI, stop 38: "invalid vptr"
    // on func_base in posix_thread_function). The I/O threads are std::threads, whose start is
    // not instrumented, and a GET needs no write thread.
    options.write_threads = 0;
    Server server(options, router);
    if (!server.Start().ok()) ::_exit(2);
    // UBSan's vptr check (the sanitizer build) probes memory through a pipe the first time it
    // meets a dynamic type; out of descriptors the probe fails and it reports a false "invalid
    // vptr" (seen on an error_category's failed()). Meet the error categories a connection's
    // end goes through before the limit is lowered.
    for (const boost::system::error_code& ec :
         {make_error_code(boost::asio::error::eof),
          make_error_code(boost::asio::error::host_not_found),
          make_error_code(boost::asio::error::service_not_found),
          make_error_code(boost::beast::http::error::end_of_stream),
          make_error_code(boost::beast::error::timeout)}) {
      (void)!ec.failed();
      (void)!ec.message().empty();
    }
    // The same for a session's own types (net::Session, CommitWaiter, met in its destructor):
    // serve and end one connection, and wait until the server has dropped it.
    {
      RawConnection warm(server.port());
      if (!warm.Send("GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")) ::_exit(5);
      if (!warm.ReadUntilClosed(10s).closed) ::_exit(6);
    }
    const auto warm_deadline = std::chrono::steady_clock::now() + 10s;
    while (server.open_connections() != 0) {
      if (std::chrono::steady_clock::now() > warm_deadline) ::_exit(7);
      std::this_thread::sleep_for(1ms);  // poll interval, bounded by the deadline
    }
    // Room for about 6 more descriptors: a few accepted connections, then EMFILE.
    const rlim_t limit = OpenDescriptors() + 6;
    const rlimit lim{limit, limit};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(3);
    const uint16_t port = server.port();
    if (::write(ready[1], &port, sizeof(port)) != sizeof(port)) ::_exit(4);
    char c;
    (void)!::read(done[0], &c, 1);  // until the parent closes its end
    server.Stop();
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(done[0]);
  uint16_t port = 0;
  ASSERT_EQ(::read(ready[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  std::vector<std::unique_ptr<RawConnection>> conns;
  for (int i = 0; i < 24; ++i) conns.push_back(std::make_unique<RawConnection>(port));
  int refused = 0;
  for (size_t i = 12; i < conns.size(); ++i) {
    const auto read = conns[i]->ReadUntilClosed(10s);
    EXPECT_TRUE(read.closed) << "connection " << i << " got no answer";
    EXPECT_NE(read.data.find("HTTP/1.1 503"), std::string::npos) << read.data;
    refused += read.data.find("HTTP/1.1 503") != std::string::npos ? 1 : 0;
  }
  EXPECT_EQ(refused, 12);
  conns.clear();
  ::close(done[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ::close(ready[0]);
}

}  // namespace
}  // namespace apicached::http
