// --http-combine-puts against the real binary (http/put_combiner.h): PUTs from many connections
// at once, each answered 201 for its key's first write and 204 after, every acknowledged value
// read back; conditional and refused PUTs keep their own answers.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/support/daemon_process.h"
#include "tests/support/http_client.h"

namespace apicached::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kConnections = 8;
constexpr int kPutsEach = 150;
constexpr int kKeysEach = 30;

std::string Key(int connection, int i) {
  return "/v1/cache/combined/c" + std::to_string(connection) + "-" + std::to_string(i % kKeysEach);
}

TEST(PutCombiningTest, ManyConnectionsGetTheirOwnAnswersAndEveryValueIsStored) {
  DaemonOptions options;
  options.args = {"--io-threads", "1", "--http-combine-puts", "true", "--max-value-bytes", "1000"};
  DaemonProcess daemon(options);
  ASSERT_TRUE(daemon.Start()) << daemon.output();
  {
    HttpClient first(daemon.port(), 30s);  // the namespace exists: its PUTs run on the I/O thread
    ASSERT_EQ(first.Put("/v1/cache/combined/seed", "s").result_int(), 201u);
  }
  std::vector<std::vector<unsigned>> statuses(kConnections);
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(daemon.port(), 30s);
      for (int i = 0; i < kPutsEach; ++i) {
        statuses[c].push_back(client.Put(Key(c, i), "v" + std::to_string(i)).result_int());
      }
    });
  }
  for (std::thread& t : clients) t.join();
  HttpClient reader(daemon.port(), 30s);
  for (int c = 0; c < kConnections; ++c) {
    ASSERT_EQ(statuses[c].size(), static_cast<size_t>(kPutsEach));
    for (int i = 0; i < kPutsEach; ++i) {
      EXPECT_EQ(statuses[c][i], i < kKeysEach ? 201u : 204u) << Key(c, i) << " put " << i;
    }
    for (int k = kPutsEach - kKeysEach; k < kPutsEach; ++k) {
      const auto got = reader.Get(Key(c, k));
      EXPECT_EQ(got.result_int(), 200u) << Key(c, k);
      EXPECT_EQ(got.body(), "v" + std::to_string(k)) << Key(c, k);
    }
  }
  // Not held, or refused on their own: the answers of a single PUT.
  EXPECT_EQ(
      reader.Put("/v1/cache/combined/seed", "x", {{bhttp::field::if_none_match, "*"}}).result_int(),
      412u);
  EXPECT_EQ(reader.Put("/v1/cache/combined/big", std::string(1001, 'b')).result_int(), 413u);
  EXPECT_EQ(reader.Get("/v1/cache/combined/big").result_int(), 404u);
  EXPECT_EQ(reader.Get("/v1/cache/combined/seed").body(), "s");
}

}  // namespace
}  // namespace apicached::testing
