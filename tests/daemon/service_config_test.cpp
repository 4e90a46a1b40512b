// The real apicached binary: --help, the configuration file and its precedence, bad values.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

// The options named in the shipped etc/apicached.conf ("#name = value" lines).
std::set<std::string> ConfigFileOptions() {
  std::set<std::string> names;
  std::string text = ReadTextFile(std::string(APICACHED_SOURCE_DIR) + "/etc/apicached.conf");
  std::regex line(R"(^#?([a-z][a-z-]+) =( |$))");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) names.insert(m[1]);
  }
  return names;
}

TEST(ServiceConfigTest, HelpListsEveryOptionWithItsDefault) {
  CommandResult r = RunApicached({"--help"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* expected : {"--listen arg (=127.0.0.1:7431)",
                               "--data-dir arg",
                               "--io-threads arg (=0)",
                               "--hot-cache-bytes arg (=67108864)",
                               "--max-key-bytes arg (=1024)",
                               "--max-value-bytes arg (=1048576)",
                               "--default-ttl arg (=3600)",
                               "--ns-ttl",
                               "--sync-writes [=arg(=true)] (=false)",
                               "--log-level arg (=info)",
                               "--auth-token-file",
                               "--allow-insecure-remote",
                               "--maintenance-period arg (=3600)",
                               "--backup-dir",
                               "--watchdog [=arg(=true)] (=true)",
                               "--config",
                               "/etc/apicached/apicached.conf",
                               "--invalid-ttl",
                               "--ruc-prefixes arg (=10,15,16,17,20)",
                               "--shutdown-grace arg (=5)"}) {
    EXPECT_NE(r.output.find(expected), std::string::npos) << expected << "\n" << r.output;
  }
  // The shipped config file documents only real options, and every option but the
  // command-line-only ones appears in it.
  std::set<std::string> in_file = ConfigFileOptions();
  EXPECT_GE(in_file.size(), 15u);
  for (const std::string& name : in_file) {
    EXPECT_NE(r.output.find("--" + name + " "), std::string::npos) << name;
  }
  std::regex flag(R"(\n  (?:-h \[ )?--([a-z-]+))");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), flag);
       it != std::sregex_iterator(); ++it) {
    std::string name = (*it)[1];
    if (name == "help" || name == "config") continue;
    EXPECT_TRUE(in_file.count(name) > 0) << name << " is not documented in etc/apicached.conf";
  }
}

TEST(ServiceConfigTest, FileSetsValuesAndFlagsWin) {
  TempDir dir;
  const uint16_t port = FreePort();
  WriteTextFile(dir.Sub("apicached.conf"),
                "# test configuration\n"
                "listen = 127.0.0.1:" +
                    std::to_string(port) +
                    "\n"
                    "default-ttl = 1000\n"
                    "ns-ttl = ratelimit=60\n"
                    "ns-ttl = exchange=86400\n"
                    "log-level = debug\n");
  DaemonProcess d(Daemon(
      {"--config", dir.Sub("apicached.conf"), "--default-ttl", "500", "--ns-ttl", "exchange=7200"},
      {}, false));
  ASSERT_TRUE(d.Start());
  EXPECT_EQ(d.port(), port);  // listen came from the file
  HttpClient c(d.port());
  ASSERT_EQ(c.Put("/v1/cache/misc/k", "v").result_int(), 201);
  auto age = MaxAge(c.Get("/v1/cache/misc/k"));
  ASSERT_TRUE(age.has_value());
  EXPECT_GT(*age, 490);  // the flag's 500 beat the file's 1000
  EXPECT_LE(*age, 500);
  for (const auto& [ns, ttl] : {std::pair{"ratelimit", 60}, {"exchange", 7200}, {"misc", 500}}) {
    ASSERT_EQ(c.Put(std::string("/v1/cache/") + ns + "/k", "v").result_int() / 100, 2);
    EXPECT_EQ(BodyJson(c.Get(std::string("/v1/cache/") + ns))["default_ttl_seconds"], ttl) << ns;
  }
  EXPECT_NE(d.output().find("debug:"), std::string::npos) << d.output();  // log-level from file
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceConfigTest, NoConfigFileMeansDefaults) {
  DaemonProcess d;  // passes --config ''
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  ASSERT_EQ(c.Put("/v1/cache/misc/k", "v").result_int(), 201);
  EXPECT_EQ(BodyJson(c.Get("/v1/cache/misc"))["default_ttl_seconds"], 3600);
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceConfigTest, ShippedConfigWithEveryDefaultUncommentedStarts) {
  // Every "#name = value" line of etc/apicached.conf, uncommented: each documented value must be
  // accepted (listen and data-dir come from the command line, which wins).
  std::string text = ReadTextFile(std::string(APICACHED_SOURCE_DIR) + "/etc/apicached.conf");
  text = std::regex_replace(text, std::regex(R"((^|\n)#([a-z][a-z-]+ =))"), "$1$2");
  TempDir dir;
  WriteTextFile(dir.Sub("apicached.conf"), text);
  ASSERT_NE(text.find("\nns-ttl = ratelimit=60"), std::string::npos) << text;
  DaemonProcess d(Daemon({"--config", dir.Sub("apicached.conf")}));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  ASSERT_EQ(c.Put("/v1/cache/ratelimit/ip", "1").result_int(), 201);
  EXPECT_EQ(BodyJson(c.Get("/v1/cache/ratelimit"))["default_ttl_seconds"], 60);
  EXPECT_EQ(d.Stop(), 0);
}

struct BadCase {
  std::string file;                // config file text ("" : no file)
  std::vector<std::string> flags;  // command line
  std::vector<std::string> named;  // what the message must contain
};

TEST(ServiceConfigTest, BadValuesStopTheStartNamingTheOption) {
  TempDir dir;
  const std::vector<BadCase> cases = {
      {"", {"--max-key-bytes", "0"}, {"max-key-bytes"}},
      {"", {"--io-threads", "lots"}, {"io-threads"}},
      {"", {"--listen", "nowhere"}, {"--listen"}},
      {"", {"--ns-ttl", "ratelimit"}, {"ns-ttl"}},
      {"", {"--ns-ttl", "Bad Name=5"}, {"ns-ttl"}},
      {"", {"--log-level", "loud"}, {"log-level"}},
      {"", {"--default-ttl", "-5"}, {"default-ttl"}},
      {"", {"--invalid-ttl", "ruc=-1"}, {"invalid-ttl"}},
      {"", {"--ruc-prefixes", "1,20"}, {"ruc-prefixes"}},
      {"", {"--maintenance-period", "-1"}, {"maintenance-period"}},
      {"", {"--sync-writes=maybe"}, {"sync-writes"}},
      {"", {"--no-such-flag"}, {"no-such-flag"}},
      {"", {"--config", dir.Sub("missing.conf")}, {"missing.conf"}},
      {"max-key-bytes = lots\n", {}, {"max-key-bytes", "bad.conf"}},
      {"colour = blue\n", {}, {"colour", "bad.conf"}},
      {"ns-ttl = ratelimit=soon\n", {}, {"ns-ttl"}},
      {"max-value-bytes = 0\n", {}, {"max-value-bytes"}},
      {"log-level = chatty\n", {}, {"log-level"}},
  };
  for (const BadCase& bad : cases) {
    std::vector<std::string> args = {"--data-dir", dir.Sub("data"), "--listen", "127.0.0.1:0"};
    if (!bad.file.empty()) {
      WriteTextFile(dir.Sub("bad.conf"), bad.file);
      args.insert(args.end(), {"--config", dir.Sub("bad.conf")});
    } else if (bad.flags.empty() || bad.flags[0] != "--config") {
      args.insert(args.end(), {"--config", ""});
    }
    args.insert(args.end(), bad.flags.begin(), bad.flags.end());
    CommandResult r = RunApicached(args);
    std::string what = bad.file + (bad.flags.empty() ? "" : bad.flags[0]);
    EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.output;
    for (const std::string& word : bad.named) {
      EXPECT_NE(r.output.find(word), std::string::npos) << what << ": " << r.output;
    }
    EXPECT_EQ(r.output.find("listening on"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace apicached::testing
