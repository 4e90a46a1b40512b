// The memcached listener of the real apicached binary (DaemonProcess, free ports, temp data dir):
// the log line, values shared with HTTP byte for byte with their flags, what restarts (clean and
// SIGKILL) keep, the statistics and metrics of memcached traffic, and the listen rules.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/daemon/run_command.h"
#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"
#include "tests/support/read_until.h"

namespace apicached::testing {
namespace {

DaemonOptions MemcachedDaemon() {
  DaemonOptions o;
  o.args = {"--memcached-listen", "127.0.0.1:0", "--memcached-key-namespaces", "migo,sunat"};
  return o;
}

TEST(MemcachedDaemonTest, LogsItsListenerAndServes) {
  DaemonProcess d(MemcachedDaemon());
  ASSERT_TRUE(d.Start());
  ASSERT_NE(d.memcached_port(), 0);
  EXPECT_NE(d.output().find("apicached: memcached listening on 127.0.0.1:" +
                            std::to_string(d.memcached_port()) + "\n"),
            std::string::npos)
      << d.output();
  EXPECT_NE(d.output().find("apicached: listening on 127.0.0.1:" + std::to_string(d.port()) + "\n"),
            std::string::npos);
  RawConnection c(d.memcached_port());
  EXPECT_EQ(Exchange(c, "set a 1 0 2\r\nhi\r\nget a\r\n", "END\r\n"),
            "STORED\r\nVALUE a 1 2\r\nhi\r\nEND\r\n");
}

TEST(MemcachedDaemonTest, ValuesAreSharedWithHttpByteForByte) {
  DaemonProcess d(MemcachedDaemon());
  ASSERT_TRUE(d.Start());
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  RawConnection c(d.memcached_port());
  ASSERT_EQ(Exchange(c, "set :1:migo:ruc_1 16 0 256\r\n" + value + "\r\n", "\r\n"), "STORED\r\n");
  HttpClient http(d.port());
  auto got = http.Get("/v1/cache/migo/:1:migo:ruc_1");
  ASSERT_EQ(got.result_int(), 200u) << got.body();
  EXPECT_EQ(got.body(), value);
  EXPECT_EQ(got["X-Apicached-Flags"], "16");
  auto put = http.Put("/v1/cache/default/from_http", "hello",
                      {{bhttp::field::content_type, "text/plain"}});
  ASSERT_EQ(put.result_int(), 201u) << put.body();
  EXPECT_EQ(Exchange(c, "get from_http\r\n", "END\r\n"), "VALUE from_http 0 5\r\nhello\r\nEND\r\n");
}

TEST(MemcachedDaemonTest, CleanRestartAndSigkillKeepWhatWasStored) {
  DaemonProcess d(MemcachedDaemon());
  ASSERT_TRUE(d.Start());
  {
    RawConnection c(d.memcached_port());
    ASSERT_EQ(
        Exchange(c, "set kept 2 0 4\r\nkept\r\nset migo:x 0 0 1\r\nx\r\n", "STORED\r\nSTORED\r\n"),
        "STORED\r\nSTORED\r\n");
  }
  ASSERT_TRUE(d.Restart());
  {
    RawConnection c(d.memcached_port());
    EXPECT_EQ(Exchange(c, "get kept migo:x\r\n", "END\r\n"),
              "VALUE kept 2 4\r\nkept\r\nVALUE migo:x 0 1\r\nx\r\nEND\r\n");
    ASSERT_EQ(Exchange(c, "set after 0 0 5\r\nafter\r\n", "\r\n"), "STORED\r\n");
  }
  d.Kill();
  ASSERT_TRUE(d.Start());
  RawConnection c(d.memcached_port());
  EXPECT_EQ(Exchange(c, "get kept after\r\n", "END\r\n"),
            "VALUE kept 2 4\r\nkept\r\nVALUE after 0 5\r\nafter\r\nEND\r\n");
}

TEST(MemcachedDaemonTest, MetricsAndStatsCountMemcachedTraffic) {
  DaemonProcess d(MemcachedDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.memcached_port());
  ASSERT_EQ(Exchange(c, "set migo:a 0 0 1\r\nx\r\nget migo:a migo:b\r\n", "END\r\n"),
            "STORED\r\nVALUE migo:a 0 1\r\nx\r\nEND\r\n");
  HttpClient http(d.port());
  const std::string metrics = http.Get("/metrics").body();
  EXPECT_NE(
      metrics.find("apicached_cache_hits_total{cache_namespace=\"migo\",protocol=\"memcached\"} 1"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(
                "apicached_cache_misses_total{cache_namespace=\"migo\",protocol=\"memcached\"} 1"),
            std::string::npos);
  auto stats = nlohmann::json::parse(http.Get("/v1/stats").body(), nullptr, false);
  ASSERT_FALSE(stats.is_discarded());
  EXPECT_NE(stats.dump().find("migo"), std::string::npos) << stats.dump();
  const std::string mc_stats = Exchange(c, "stats\r\n", "END\r\n");
  EXPECT_NE(mc_stats.find("STAT get_hits 1\r\n"), std::string::npos) << mc_stats;
  EXPECT_NE(mc_stats.find("STAT get_misses 1\r\n"), std::string::npos) << mc_stats;
}

TEST(MemcachedDaemonTest, ANonLoopbackListenerNeedsAToken) {
  CommandResult r =
      RunCommand({DaemonBinaryPath(), "--config", "", "--listen", "127.0.0.1:0", "--data-dir",
                  "/nonexistent-never-opened", "--memcached-listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to listen on the non-loopback address 0.0.0.0"),
            std::string::npos)
      << r.output;
}

TEST(MemcachedDaemonTest, WithATokenClientsAuthenticateFirst) {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.Sub("token").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("s3cret-token\n", f);
    std::fclose(f);
  }
  DaemonOptions o = MemcachedDaemon();
  o.args.push_back("--auth-token-file");
  o.args.push_back(dir.Sub("token"));
  DaemonProcess d(o);
  ASSERT_TRUE(d.Start());
  RawConnection c(d.memcached_port());
  EXPECT_EQ(Exchange(c, "get a\r\n", "\r\n"), "CLIENT_ERROR unauthenticated\r\n");
  EXPECT_EQ(Exchange(c, "set x 0 0 15\r\napicached wrong\r\n", "\r\n"),
            "CLIENT_ERROR authentication failure\r\n");
  EXPECT_EQ(Exchange(c, "set x 0 0 22\r\napicached s3cret-token\r\nget a\r\n", "END\r\n"),
            "STORED\r\nEND\r\n");
}

// The memcached listener draws on the HTTP server's connection budget: together they stay under
// --max-connections, and a memcached client over it reads memcached's refusal.
TEST(MemcachedDaemonTest, HttpAndMemcachedShareOneConnectionCap) {
  DaemonOptions o = MemcachedDaemon();
  o.args.insert(o.args.end(), {"--max-connections", "3", "--io-threads", "1"});
  DaemonProcess d(o);
  ASSERT_TRUE(d.Start());
  // Start() polled /v1/health on connections it closed: their slots come back once the daemon
  // sees the close, so a connection is retried until it is served.
  auto open_served = [&](auto make, auto served) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto c = make();
      if (served(*c)) return c;
    }
    return decltype(make())();
  };
  auto memcached = [&] { return std::make_unique<RawConnection>(d.memcached_port()); };
  auto answers_version = [](RawConnection& c) {
    return Exchange(c, "version\r\n", "\r\n").starts_with("VERSION ");
  };
  auto http = open_served([&] { return std::make_unique<HttpClient>(d.port()); },
                          [](HttpClient& c) { return c.Get("/v1/health").result_int() == 200u; });
  ASSERT_NE(http, nullptr);
  auto first = open_served(memcached, answers_version);
  ASSERT_NE(first, nullptr);
  auto second = open_served(memcached, answers_version);
  ASSERT_NE(second, nullptr);
  // One HTTP and two memcached connections hold the three slots.
  RawConnection over(d.memcached_port());
  EXPECT_EQ(ReadUntil(over, "\r\n"), "ERROR Too many open connections\r\n");
  RawConnection over_http(d.port());
  const auto refused = over_http.ReadUntilClosed(std::chrono::seconds(10));
  EXPECT_TRUE(refused.closed);
  EXPECT_NE(refused.data.find("HTTP/1.1 503"), std::string::npos) << refused.data;
  // The connections in use still work.
  EXPECT_EQ(Exchange(*first, "set a 0 0 1\r\nx\r\n", "\r\n"), "STORED\r\n");
  EXPECT_EQ(http->Get("/v1/cache/default/a").body(), "x");
}

// A key whose namespace was dropped (DELETE /v1/cache/{ns}?drop=true) is a miss; a write creates
// the namespace anew; drops racing with memcached traffic on it never break an answer.
TEST(MemcachedDaemonTest, ADroppedNamespaceIsAMissAndAWriteCreatesItAgain) {
  DaemonProcess d(MemcachedDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.memcached_port());
  ASSERT_EQ(Exchange(c, "set migo:a 3 0 3\r\nold\r\n", "\r\n"), "STORED\r\n");
  HttpClient http(d.port());
  ASSERT_EQ(http.Delete("/v1/cache/migo?drop=true").result_int(), 204u);
  EXPECT_EQ(Exchange(c, "get migo:a\r\n", "END\r\n"), "END\r\n");
  EXPECT_EQ(Exchange(c, "delete migo:a\r\n", "\r\n"), "NOT_FOUND\r\n");
  EXPECT_EQ(Exchange(c, "incr migo:n 1\r\n", "\r\n"), "NOT_FOUND\r\n");
  EXPECT_EQ(Exchange(c, "append migo:a 0 0 1\r\nx\r\n", "\r\n"), "NOT_STORED\r\n");
  EXPECT_EQ(Exchange(c, "touch migo:a 10\r\n", "\r\n"), "NOT_FOUND\r\n");
  EXPECT_EQ(Exchange(c, "mg migo:a v\r\n", "\r\n"), "EN\r\n");
  EXPECT_EQ(http.Get("/v1/cache/migo").result_int(), 404u);  // reads did not create it
  EXPECT_EQ(Exchange(c, "set migo:a 4 0 3\r\nnew\r\nget migo:a\r\n", "END\r\n"),
            "STORED\r\nVALUE migo:a 4 3\r\nnew\r\nEND\r\n");

  // Drops while a memcached client writes and reads the namespace: every answer is one of the
  // two a namespace that exists or does not gives, never an error, and the value read is the
  // one written on that connection.
  std::atomic<bool> stop{false};
  std::string bad;
  std::thread client([&] {
    RawConnection mc(d.memcached_port());
    for (int i = 0; i < 2000 && !stop.load() && bad.empty(); ++i) {
      const std::string v = std::to_string(i);
      const std::string set = "set migo:r 0 0 " + std::to_string(v.size()) + "\r\n" + v + "\r\n";
      const std::string stored = Exchange(mc, set, "\r\n");
      if (stored != "STORED\r\n") bad = "set: " + stored;
      const std::string got = Exchange(mc, "get migo:r\r\n", "END\r\n");
      const std::string hit =
          "VALUE migo:r 0 " + std::to_string(v.size()) + "\r\n" + v + "\r\nEND\r\n";
      if (got != hit && got != "END\r\n") bad = "get: " + got;
    }
  });
  int drops = 0;
  for (int i = 0; i < 40; ++i) {
    const unsigned status = http.Delete("/v1/cache/migo?drop=true").result_int();
    if (status != 204u && status != 404u) {
      ADD_FAILURE() << "drop answered " << status;
      break;
    }
    drops += status == 204u ? 1 : 0;
  }
  stop = true;
  client.join();
  EXPECT_EQ(bad, "");
  EXPECT_GT(drops, 0);
  EXPECT_EQ(Exchange(c, "set migo:z 0 0 1\r\nz\r\nget migo:z\r\n", "END\r\n"),
            "STORED\r\nVALUE migo:z 0 1\r\nz\r\nEND\r\n");
  EXPECT_EQ(d.Stop(), 0) << d.output();
}

}  // namespace
}  // namespace apicached::testing
