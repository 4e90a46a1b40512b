// ParseCommandLine: the flags table, the configuration file read after it, and their checks.
#include "daemon/options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "storage/clock.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

using testing::TempDir;

Result<CommandLine> Parse(std::vector<std::string> args, const std::string& default_config) {
  args.insert(args.begin(), "apicached");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), default_config);
}

TEST(OptionsTest, DefaultConfigIsReadOnlyWhenItExists) {
  TempDir dir;
  auto none = Parse({}, dir.Sub("absent.conf"));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->service.config_file, "");
  EXPECT_EQ(none->app.store.ttl.default_ttl_seconds, 3600);

  std::ofstream(dir.Sub("present.conf")) << "default-ttl = 42\n";
  auto read = Parse({}, dir.Sub("present.conf"));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->service.config_file, dir.Sub("present.conf"));
  EXPECT_EQ(read->app.store.ttl.default_ttl_seconds, 42);

  auto skipped = Parse({"--config", ""}, dir.Sub("present.conf"));
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->app.store.ttl.default_ttl_seconds, 3600);
}

TEST(OptionsTest, FlagsWinAndRepeatedOptionsCompose) {
  TempDir dir;
  std::ofstream(dir.Sub("c.conf")) << "listen = 127.0.0.1:9000\n"
                                      "io-threads = 3\n"
                                      "sync-writes = true\n"
                                      "watchdog = false\n"
                                      "maintenance-period = 600\n"
                                      "ns-ttl = ratelimit=60\n"
                                      "ns-ttl = ruc=3600\n"
                                      "invalid-ttl = dni=100\n"
                                      "log-level = warning\n"
                                      "backup-dir = /b\n"
                                      "stats-retention-days = 7\n"
                                      "stats-flush-period = 0\n"
                                      "min-free-disk-bytes = 5000\n"
                                      "block-cache-bytes = 8388608\n";
  auto cl = Parse({"--config", dir.Sub("c.conf"), "--io-threads", "5", "--ns-ttl", "ruc=10",
                   "--log-level", "debug", "--ruc-prefixes", "10,20", "--stats-flush-period", "30",
                   "--memtable-bytes", "16777216"},
                  "");
  ASSERT_TRUE(cl.ok()) << cl.status().ToString();
  EXPECT_EQ(cl->app.server.port, 9000);
  EXPECT_EQ(cl->app.server.io_threads, 5u);
  EXPECT_TRUE(cl->app.store.sync_writes);
  EXPECT_FALSE(cl->service.watchdog);
  EXPECT_EQ(cl->app.store.maintenance_period_seconds, 600u);
  EXPECT_EQ(cl->app.store.ttl.namespace_ttl_seconds,
            (std::map<std::string, int64_t>{{"ratelimit", 60}, {"ruc", 10}}));
  EXPECT_EQ(cl->app.invalid.list_ttl_seconds.at("dni"), 100);
  EXPECT_EQ(cl->app.invalid.list_ttl_seconds.at("ruc"), 604800);  // the default list stays
  EXPECT_EQ(cl->service.log_level, LogLevel::kDebug);
  EXPECT_EQ(cl->service.backup_dir, "/b");
  EXPECT_EQ(cl->app.stats.retention_days, 7u);
  EXPECT_EQ(cl->app.stats.flush_period_seconds, 30u);
  EXPECT_EQ(cl->app.health.min_free_disk_bytes, 5000u);
  EXPECT_EQ(cl->app.ruc.prefixes, (std::vector<std::string>{"10", "20"}));
  // The RAM bounds (docs/benchmarks-memcached.md, "What RSS is made of").
  EXPECT_EQ(cl->app.store.block_cache_bytes, 8u << 20);
  EXPECT_EQ(cl->app.store.write_buffer_bytes, 16u << 20);
}

TEST(OptionsTest, BooleanFlagsAloneMeanTrue) {
  auto cl = Parse(
      {"--sync-writes", "--allow-insecure-remote", "--watchdog=false", "--rocksdb-info-log"}, "");
  ASSERT_TRUE(cl.ok()) << cl.status().ToString();
  EXPECT_TRUE(cl->app.store.sync_writes);
  EXPECT_TRUE(cl->app.store.engine_info_log);
  EXPECT_TRUE(cl->service.allow_insecure_remote);
  EXPECT_FALSE(cl->service.watchdog);
}

TEST(OptionsTest, TheClockOffsetIsZeroUnlessATestGivesOne) {
  auto plain = Parse({}, "");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->service.clock_offset_seconds, 0);
  auto shifted = Parse({"--test-clock-offset", "-600"}, "");
  ASSERT_TRUE(shifted.ok()) << shifted.status().ToString();
  EXPECT_EQ(shifted->service.clock_offset_seconds, -600);
  // The shifted clock, as the service builds it.
  const SystemClock now, later(600'000);
  const int64_t first = now.NowMillis();
  const int64_t gap = later.NowMillis() - first;
  EXPECT_GE(gap, 600'000);
  EXPECT_LT(gap, 660'000);
}

TEST(OptionsTest, BadValuesNameTheOption) {
  TempDir dir;
  std::ofstream(dir.Sub("bad.conf")) << "max-key-bytes = lots\n";
  std::ofstream(dir.Sub("nested.conf")) << "config = " << dir.Sub("bad.conf") << "\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--config", dir.Sub("bad.conf")}, "max-key-bytes"},
      {{"--config", dir.Sub("none.conf")}, "none.conf"},
      {{"--config", dir.Sub("nested.conf")}, "'config' can only be given on the command line"},
      {{"--maintenance-period", "99999999"}, "maintenance-period"},
      {{"--invalid-default-ttl", "-1"}, "invalid-default-ttl"},
      {{"--invalid-ttl", "Bad=5"}, "invalid-ttl"},
      {{"--invalid-ttl", "ruc=999999999999"}, "invalid-ttl"},
      {{"--ruc-prefixes", ""}, "ruc-prefixes"},
      {{"--ruc-prefixes", "10,2x"}, "ruc-prefixes"},
      {{"--log-level", "verbose"}, "log-level"},
      {{"--stats-retention-days", "0"}, "stats-retention-days"},
      {{"--stats-flush-period", "-1"}, "stats-flush-period"},
      {{"--min-free-disk-bytes", "-5"}, "min-free-disk-bytes"},
      {{"--block-cache-bytes", "1000"}, "block-cache-bytes"},
      {{"--memtable-bytes", "0"}, "memtable-bytes"},
      {{"--watchdog=sometimes"}, "watchdog"},
      {{"--test-clock-offset", "99999999999"}, "test-clock-offset"},
  };
  for (const auto& [args, named] : cases) {
    auto cl = Parse(args, "");
    ASSERT_FALSE(cl.ok()) << args[0];
    EXPECT_EQ(cl.code(), Code::kInvalidArgument) << args[0];
    EXPECT_NE(cl.status().message().find(named), std::string::npos)
        << args[0] << ": " << cl.status().message();
  }
}

TEST(OptionsTest, HelpIsAnsweredBeforeTheConfigFile) {
  auto cl = Parse({"--help", "--config", "/nonexistent.conf"}, "");
  ASSERT_TRUE(cl.ok()) << cl.status().ToString();
  EXPECT_TRUE(cl->help);
  EXPECT_NE(cl->help_text.find("--ns-ttl"), std::string::npos);
}

}  // namespace
}  // namespace apicached
