// The Redis listener of the real apicached binary (DaemonProcess, free ports, temp data dir):
// the log line, commands and a pipeline over a socket, values shared with HTTP, what restarts
// (clean and SIGKILL) keep, metrics with protocol="redis", the token, the listen rule.
#include <gtest/gtest.h>

#include <memory>

#include "tests/daemon/run_command.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/read_until.h"

namespace apicached::testing {
namespace {

DaemonOptions RedisDaemon() {
  DaemonOptions o;
  o.args = {"--redis-listen", "127.0.0.1:0", "--redis-key-namespaces", "migo"};
  return o;
}

TEST(RedisDaemonTest, LogsItsListenerAndServesAPipeline) {
  DaemonProcess d(RedisDaemon());
  ASSERT_TRUE(d.Start());
  ASSERT_NE(d.redis_port(), 0);
  EXPECT_NE(d.output().find(
                "apicached: redis listening on 127.0.0.1:" + std::to_string(d.redis_port()) + "\n"),
            std::string::npos)
      << d.output();
  RawConnection c(d.redis_port());
  EXPECT_EQ(Exchange(c,
                     "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nhi\r\nGET k\r\nINCR n\r\nHSET h f v\r\n"
                     "PING\r\n",
                     "+PONG\r\n"),
            "+OK\r\n$2\r\nhi\r\n:1\r\n-ERR unknown command 'HSET', with args beginning with: "
            "'h' 'f' 'v' \r\n+PONG\r\n");
  // A protocol error is answered, then the connection closes, as Redis does.
  ASSERT_TRUE(c.Send("*1\r\n$-5\r\n"));
  const auto rest = c.ReadUntilClosed(std::chrono::seconds(10));
  EXPECT_EQ(rest.data, "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_TRUE(rest.closed);
}

TEST(RedisDaemonTest, ScriptsRunThroughTheLuaEngine) {
  DaemonProcess d(RedisDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  // django-redis's incr: EXISTS then INCRBY, in one script.
  const std::string script =
      "if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], "
      "ARGV[1]) else return nil end";
  const std::string eval = "*5\r\n$4\r\nEVAL\r\n$" + std::to_string(script.size()) + "\r\n" +
                           script + "\r\n$1\r\n1\r\n$1\r\nn\r\n$1\r\n5\r\n";
  EXPECT_EQ(Exchange(c, eval, "\r\n"), "$-1\r\n");
  EXPECT_EQ(Exchange(c, "SET n 10\r\n" + eval, ":15\r\n"), "+OK\r\n:15\r\n");
  EXPECT_EQ(Exchange(c, "EVAL \"return redis.call('multi')\" 0\r\n", "\r\n").substr(0, 50),
            "-ERR This Redis command is not allowed from script");
}

TEST(RedisDaemonTest, ValuesAreSharedWithHttpByteForByte) {
  DaemonProcess d(RedisDaemon());
  ASSERT_TRUE(d.Start());
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  RawConnection c(d.redis_port());
  ASSERT_EQ(Exchange(c, "*3\r\n$3\r\nSET\r\n$8\r\nmigo:r_1\r\n$256\r\n" + value + "\r\n", "\r\n"),
            "+OK\r\n");
  HttpClient http(d.port());
  auto got = http.Get("/v1/cache/migo/migo:r_1");
  ASSERT_EQ(got.result_int(), 200u) << got.body();
  EXPECT_EQ(got.body(), value);
  auto put = http.Put("/v1/cache/default/from_http", "hello",
                      {{bhttp::field::content_type, "text/plain"}});
  ASSERT_EQ(put.result_int(), 201u) << put.body();
  EXPECT_EQ(Exchange(c, "GET from_http\r\n", "hello\r\n"), "$5\r\nhello\r\n");
}

// WATCH sees HTTP's writes, also a PUT undone by a DELETE before EXEC (cache/key_watches.h);
// a daemon stopped while a connection still watches a key exits cleanly (the watch goes with
// the connection, before the cache layer: the sanitizer build would abort otherwise).
TEST(RedisDaemonTest, WatchSeesHttpWritesAndStopsCleanlyWithAWatchOpen) {
  DaemonOptions o = RedisDaemon();
  o.args.insert(o.args.end(), {"--shutdown-grace", "0.2"});  // the open connection's wait
  DaemonProcess d(o);
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  HttpClient http(d.port());
  ASSERT_EQ(Exchange(c, "WATCH w\r\n", "\r\n"), "+OK\r\n");
  ASSERT_EQ(http.Put("/v1/cache/default/w", "x").result_int(), 201u);
  ASSERT_EQ(http.Delete("/v1/cache/default/w").result_int(), 204u);
  EXPECT_EQ(Exchange(c, "MULTI\r\nSET w 1\r\nEXEC\r\n", "*-1\r\n"), "+OK\r\n+QUEUED\r\n*-1\r\n");
  // Unchanged: EXEC runs.
  EXPECT_EQ(Exchange(c, "WATCH w\r\nMULTI\r\nSET w 2\r\nEXEC\r\n", "*1\r\n+OK\r\n"),
            "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n");
  ASSERT_EQ(Exchange(c, "WATCH w other\r\n", "\r\n"), "+OK\r\n");
  EXPECT_EQ(d.Stop(), 0) << d.output();
}

TEST(RedisDaemonTest, CleanRestartAndSigkillKeepWhatWasAcknowledged) {
  DaemonProcess d(RedisDaemon());
  ASSERT_TRUE(d.Start());
  {
    RawConnection c(d.redis_port());
    ASSERT_EQ(Exchange(c, "SET kept v1\r\nSET migo:x 1 EX 1000\r\n", "+OK\r\n+OK\r\n"),
              "+OK\r\n+OK\r\n");
  }
  ASSERT_TRUE(d.Restart());
  {
    RawConnection c(d.redis_port());
    EXPECT_EQ(Exchange(c, "MGET kept migo:x\r\n", "$1\r\n1\r\n"), "*2\r\n$2\r\nv1\r\n$1\r\n1\r\n");
    ASSERT_EQ(Exchange(c, "MULTI\r\nSET after 1\r\nINCR after\r\nEXEC\r\n", ":2\r\n"),
              "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n");
  }
  d.Kill();
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  EXPECT_EQ(Exchange(c, "MGET kept after\r\n", "$1\r\n2\r\n"), "*2\r\n$2\r\nv1\r\n$1\r\n2\r\n");
}

TEST(RedisDaemonTest, MetricsCountRedisLookups) {
  DaemonProcess d(RedisDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  ASSERT_EQ(Exchange(c, "SET migo:a x\r\nMGET migo:a migo:b\r\n", "$-1\r\n"),
            "+OK\r\n*2\r\n$1\r\nx\r\n$-1\r\n");
  HttpClient http(d.port());
  const std::string metrics = http.Get("/metrics").body();
  EXPECT_NE(
      metrics.find("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"redis\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("apicached_cache_misses_total{cache_namespace=\"migo\",protocol=\"redis\"} 1"),
      std::string::npos);
  const std::string info = Exchange(c, "INFO stats\r\n", "keyspace_misses:1\r\n\r\n");
  EXPECT_NE(info.find("keyspace_hits:1\r\n"), std::string::npos) << info;
}

TEST(RedisDaemonTest, WithATokenClientsAuthFirst) {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.Sub("token").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("s3cret-token\n", f);
    std::fclose(f);
  }
  DaemonOptions o = RedisDaemon();
  o.args.push_back("--auth-token-file");
  o.args.push_back(dir.Sub("token"));
  DaemonProcess d(o);
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  EXPECT_EQ(Exchange(c, "GET a\r\n", "\r\n"), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Exchange(c, "AUTH wrong\r\n", "\r\n"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Exchange(c, "AUTH default s3cret-token\r\nGET a\r\n", "$-1\r\n"), "+OK\r\n$-1\r\n");
}

TEST(RedisDaemonTest, ANonLoopbackListenerNeedsAToken) {
  CommandResult r =
      RunCommand({DaemonBinaryPath(), "--config", "", "--listen", "127.0.0.1:0", "--data-dir",
                  "/nonexistent-never-opened", "--redis-listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to listen on the non-loopback address 0.0.0.0"),
            std::string::npos)
      << r.output;
}

TEST(RedisDaemonTest, OverTheConnectionCapClientsGetRedisRefusal) {
  DaemonOptions o = RedisDaemon();
  o.args.push_back("--max-connections");
  o.args.push_back("1");
  DaemonProcess d(o);
  ASSERT_TRUE(d.Start());
  // Start() polled /v1/health on connections it closed: their slot (one budget for every
  // front) comes back once the daemon sees the close, so the first connection is retried.
  std::unique_ptr<RawConnection> first;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    first = std::make_unique<RawConnection>(d.redis_port());
    if (Exchange(*first, "PING\r\n", "\r\n") == "+PONG\r\n") break;
    first.reset();
  }
  ASSERT_NE(first, nullptr);
  RawConnection second(d.redis_port());
  const auto refused = second.ReadUntilClosed(std::chrono::seconds(10));
  EXPECT_EQ(refused.data, "-ERR max number of clients reached\r\n");
  EXPECT_TRUE(refused.closed);
}

}  // namespace
}  // namespace apicached::testing
