// net/drained_read.h: a read that drained the socket lets the next read wait for the socket's
// event without a recv() that fails with EAGAIN; and every byte still arrives: data that comes
// between two reads, a read that fills its buffer exactly, the end of the stream, a close while a
// read is pending.
//
// The recv() calls are counted by wrapping the C library's recv and recvmsg at link time
// (-Wl,--wrap, this test's own executable): Asio's socket code is compiled into this file.
#include "net/drained_read.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <string>

namespace {
std::atomic<int> g_watched_fd{-1};
std::atomic<int> g_recv_calls{0};
std::atomic<int> g_recv_eagain{0};

void Count(int fd, ssize_t result, int error) {
  if (fd != g_watched_fd.load()) return;
  g_recv_calls.fetch_add(1);
  if (result < 0 && (error == EAGAIN || error == EWOULDBLOCK)) g_recv_eagain.fetch_add(1);
}
}  // namespace

extern "C" {
ssize_t __real_recv(int fd, void* buf, size_t len, int flags);
ssize_t __real_recvmsg(int fd, struct msghdr* msg, int flags);
ssize_t __wrap_recv(int fd, void* buf, size_t len, int flags) {
  const ssize_t r = __real_recv(fd, buf, len, flags);
  Count(fd, r, errno);
  return r;
}
ssize_t __wrap_recvmsg(int fd, struct msghdr* msg, int flags) {
  const ssize_t r = __real_recvmsg(fd, msg, flags);
  Count(fd, r, errno);
  return r;
}
}

namespace apicached::net {
namespace {

using boost::asio::ip::tcp;
using error_code = boost::system::error_code;

class DrainedReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    g_watched_fd = server_.native_handle();
    g_recv_calls = 0;
    g_recv_eagain = 0;
  }
  void TearDown() override { g_watched_fd = -1; }

  // Arms one read of up to `size` bytes into got_ (appended).
  void Arm(size_t size) {
    done_ = false;
    buf_.assign(size, '\0');
    AsyncReadDrained(server_, buf_.data(), size, [this](const error_code& ec, size_t n) {
      ec_ = ec;
      got_.append(buf_.data(), n);
      done_ = true;
    });
  }

  // Runs the event loop until the armed read completes; false after 10 s without it.
  bool RunUntilDone() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done_ && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(100));
    }
    return done_;
  }

  void ClientSends(const std::string& bytes) {
    boost::asio::write(client_, boost::asio::buffer(bytes));
  }

  boost::asio::io_context io_;
  tcp::socket client_{io_};
  tcp::socket server_{io_};
  std::string buf_;
  std::string got_;
  error_code ec_;
  bool done_ = false;
};

TEST_F(DrainedReadTest, ARequestResponseExchangeCostsOneRecvPerRequest) {
  constexpr int kRounds = 20;
  ClientSends("request 0\n");
  Arm(1024);
  for (int i = 0; i < kRounds; ++i) {
    ASSERT_TRUE(RunUntilDone()) << "round " << i;
    ASSERT_FALSE(ec_) << ec_.message();
    EXPECT_EQ(got_, "request " + std::to_string(i) + "\n");
    got_.clear();
    // As a session does: answer, then read again at once, before the client can have sent more.
    boost::asio::write(server_, boost::asio::buffer(std::string("ok\n")));
    Arm(1024);
    std::string reply(3, '\0');
    boost::asio::read(client_, boost::asio::buffer(reply));
    ClientSends("request " + std::to_string(i + 1) + "\n");
  }
  ASSERT_TRUE(RunUntilDone());
  // Asio 1.74's own read tries a recv() whenever a read starts: kRounds of them fail (EAGAIN).
  EXPECT_EQ(g_recv_eagain.load(), APICACHED_DRAINED_READ ? 0 : kRounds);
  EXPECT_EQ(g_recv_calls.load(), APICACHED_DRAINED_READ ? kRounds + 1 : 2 * kRounds + 1);
}

TEST_F(DrainedReadTest, DataThatArrivesBetweenTwoReadsIsReadByTheSecond) {
  ClientSends("one");
  Arm(64);
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(got_, "one");  // a short read: the socket was drained
  ClientSends("two");
  // The socket's event is handled while no read is pending; the next read must not wait for
  // another one.
  io_.restart();
  io_.poll();
  Arm(64);
  ASSERT_TRUE(RunUntilDone()) << "the read waited for an event that had already come";
  EXPECT_EQ(got_, "onetwo");
}

TEST_F(DrainedReadTest, DataThatArrivesWhileAReadWaitsIsRead) {
  ClientSends("one");
  Arm(64);
  ASSERT_TRUE(RunUntilDone());
  Arm(64);             // pending, nothing to read
  ClientSends("two");  // arrives while the read waits
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(got_, "onetwo");
}

TEST_F(DrainedReadTest, AReadThatFillsItsBufferIsFollowedByTheRest) {
  ClientSends("abcdefgh");
  Arm(4);
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(got_, "abcd");
  Arm(4);  // the socket may hold more: this read tries at once and gets it
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(got_, "abcdefgh");
  Arm(4);
  ClientSends("ij");
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(got_, "abcdefghij");
}

TEST_F(DrainedReadTest, TheEndOfTheStreamIsAnError) {
  ClientSends("last");
  Arm(64);
  ASSERT_TRUE(RunUntilDone());
  Arm(64);
  client_.shutdown(tcp::socket::shutdown_send);
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(ec_, boost::asio::error::eof);
  EXPECT_EQ(got_, "last");
}

TEST_F(DrainedReadTest, ClosingTheSocketAbortsAPendingRead) {
  Arm(64);
  io_.restart();
  io_.poll();
  EXPECT_FALSE(done_);
  server_.close();
  ASSERT_TRUE(RunUntilDone());
  EXPECT_EQ(ec_, boost::asio::error::operation_aborted);
}

}  // namespace
}  // namespace apicached::net
