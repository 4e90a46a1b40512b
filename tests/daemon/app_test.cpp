// The App in-process on port 0: the parts are wired the way the binary runs them.
#include "daemon/app.h"

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

AppOptions TestOptions(const std::string& data_dir) {
  AppOptions options;
  options.store.data_dir = data_dir;
  options.store.maintenance_period_seconds = 0;
  options.hot.hot_set_period_seconds = 0;
  options.server.address = "127.0.0.1";
  options.server.port = 0;
  options.server.io_threads = 1;
  return options;
}

TEST(AppTest, ReadsOverHttpAreAnsweredFromTheHotTier) {
  testing::TempDir dir;
  SystemClock clock;
  App app(TestOptions(dir.path()), clock);
  ASSERT_TRUE(app.Start().ok());
  testing::HttpClient client(app.port());
  ASSERT_EQ(client.Put("/v1/cache/migo/ruc_20131312955", "{\"name\":\"ACME\"}").result_int() / 100,
            2);

  EXPECT_EQ(client.Get("/v1/cache/migo/ruc_20131312955").result_int(), 200);  // fills RAM
  const uint64_t hits_before = app.hot_figures().hits;
  EXPECT_EQ(client.Get("/v1/cache/migo/ruc_20131312955").body(), "{\"name\":\"ACME\"}");
  EXPECT_EQ(app.hot_figures().hits, hits_before + 1);
  EXPECT_GT(app.hot_figures().entries, 0u);

  // A write through the API is seen at once, not the RAM copy.
  ASSERT_EQ(
      client.Put("/v1/cache/migo/ruc_20131312955", "{\"name\":\"ACME 2\"}").result_int() / 100, 2);
  EXPECT_EQ(client.Get("/v1/cache/migo/ruc_20131312955").body(), "{\"name\":\"ACME 2\"}");
  EXPECT_TRUE(app.Stop().ok());
}

TEST(AppTest, HotTierCanBeTurnedOff) {
  testing::TempDir dir;
  SystemClock clock;
  AppOptions options = TestOptions(dir.path());
  options.hot.capacity_bytes = 0;
  App app(options, clock);
  ASSERT_TRUE(app.Start().ok());
  testing::HttpClient client(app.port());
  ASSERT_EQ(client.Put("/v1/cache/migo/k", "v").result_int() / 100, 2);
  EXPECT_EQ(client.Get("/v1/cache/migo/k").body(), "v");
  EXPECT_EQ(client.Get("/v1/cache/migo/k").body(), "v");
  EXPECT_EQ(app.hot_figures().hits, 0u);
  EXPECT_TRUE(app.Stop().ok());
}

// A reader parked on another's lease at shutdown: its wait is destroyed with the HTTP server and
// deregisters from the cache layer then, which must still exist (it was freed first before: a
// heap-use-after-free under the sanitizer build).
TEST(AppTest, StopsWithAnHttpLeaseWaiterParked) {
  testing::TempDir dir;
  SystemClock clock;
  AppOptions options = TestOptions(dir.path());
  options.server.shutdown_grace = std::chrono::milliseconds(0);
  App app(options, clock);
  ASSERT_TRUE(app.Start().ok());
  testing::HttpClient fetcher(app.port());
  ASSERT_EQ(fetcher.Get("/v1/cache/migo/k?lease=30").result_int(), 404);

  std::thread waiter([port = app.port()] {
    try {
      testing::HttpClient client(port);
      (void)client.Get("/v1/cache/migo/k?lease=30&wait=30");
    } catch (const std::exception&) {
      // the connection closes at shutdown
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (app.cache().waiting() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(app.cache().waiting(), 1u);
  EXPECT_TRUE(app.Stop().ok());
  waiter.join();
}

}  // namespace
}  // namespace apicached
