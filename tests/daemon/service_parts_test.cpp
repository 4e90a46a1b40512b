// Unit tests of the daemon's service parts: token check, token file, config file, ns-ttl, log
// levels.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <string>

#include "daemon/auth.h"
#include "daemon/config_file.h"
#include "daemon/log.h"
#include "http/router.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

namespace po = boost::program_options;
using testing::TempDir;

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("s3cret", "s3cret"));
  EXPECT_FALSE(ConstantTimeEquals("s3cret", "s3cres"));
  EXPECT_FALSE(ConstantTimeEquals("s3cret", "s3cret2"));
  EXPECT_FALSE(ConstantTimeEquals("", "x"));
}

TEST(TokenAuthTest, AllowsEverythingWithoutAToken) {
  TokenAuth auth;
  EXPECT_FALSE(auth.enabled());
  EXPECT_TRUE(auth.Allows(""));
  auth.SetToken("");
  EXPECT_TRUE(auth.Allows("garbage"));
}

TEST(TokenAuthTest, NeedsTheExactBearerToken) {
  TokenAuth auth;
  auth.SetToken("tok-123");
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.Allows("Bearer tok-123"));
  EXPECT_TRUE(auth.Allows("bearer tok-123"));
  EXPECT_FALSE(auth.Allows(""));
  EXPECT_FALSE(auth.Allows("Bearer"));
  EXPECT_FALSE(auth.Allows("Bearer tok-12"));
  EXPECT_FALSE(auth.Allows("Bearer tok-1234"));
  EXPECT_FALSE(auth.Allows("Basic tok-123"));
  EXPECT_FALSE(auth.Allows("tok-123"));
  auth.SetToken("new");
  EXPECT_FALSE(auth.Allows("Bearer tok-123"));
  EXPECT_TRUE(auth.Allows("Bearer new"));
}

TEST(TokenAuthTest, PreCheckAnswers401OnProtectedRoutesOnly) {
  TokenAuth auth;
  auth.SetToken("tok");
  http::Router router;
  router.SetPreCheck(auth.MakePreCheck());
  auto ok = [](const http::RequestContext&) {
    http::Response res{boost::beast::http::status::ok, 11};
    res.body() = "fine";
    return res;
  };
  router.Add(http::Verb::get, "/v1/health", ok, {.public_route = true});
  router.Add(http::Verb::get, "/v1/cache", ok);

  http::Request req{http::Verb::get, "/v1/cache", 11};
  http::Routed r = router.Handle(req);
  EXPECT_EQ(r.response.result_int(), 401u);
  EXPECT_EQ(r.response[boost::beast::http::field::content_type], "application/problem+json");
  EXPECT_NE(r.response[boost::beast::http::field::www_authenticate], "");

  req.set(boost::beast::http::field::authorization, "Bearer wrong");
  EXPECT_EQ(router.Handle(req).response.result_int(), 401u);
  req.set(boost::beast::http::field::authorization, "Bearer tok");
  EXPECT_EQ(router.Handle(req).response.result_int(), 200u);

  http::Request health{http::Verb::get, "/v1/health", 11};
  EXPECT_EQ(router.Handle(health).response.result_int(), 200u);
}

TEST(ReadTokenFileTest, ReadsTheFirstLineTrimmed) {
  TempDir dir;
  std::ofstream(dir.Sub("t")) << "  abc-def \nsecond line\n";
  auto token = ReadTokenFile(dir.Sub("t"));
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "abc-def");
}

TEST(ReadTokenFileTest, RefusesMissingAndEmptyFiles) {
  TempDir dir;
  auto missing = ReadTokenFile(dir.Sub("nope"));
  EXPECT_EQ(missing.code(), Code::kInvalidArgument);
  EXPECT_NE(missing.status().message().find(dir.Sub("nope")), std::string::npos);
  std::ofstream(dir.Sub("empty")) << "   \n";
  EXPECT_EQ(ReadTokenFile(dir.Sub("empty")).code(), Code::kInvalidArgument);
}

po::options_description TestOptions() {
  po::options_description desc;
  desc.add_options()("listen", po::value<std::string>()->default_value("127.0.0.1:7431"), "")(
      "io-threads", po::value<int64_t>()->default_value(0), "")(
      "ns-ttl", po::value<std::vector<std::string>>()->composing(), "");
  return desc;
}

TEST(ConfigFileTest, FlagsWinOverTheFile) {
  TempDir dir;
  std::ofstream(dir.Sub("c.conf")) << "# comment\nlisten = 127.0.0.1:9000\nio-threads = 3\n"
                                      "ns-ttl = ratelimit=60\nns-ttl = ruc=3600\n";
  po::options_description desc = TestOptions();
  const char* argv[] = {"apicached", "--io-threads", "5", "--ns-ttl", "ruc=10"};
  po::variables_map vm;
  po::store(po::parse_command_line(5, argv, desc), vm);
  ASSERT_TRUE(StoreConfigFile(dir.Sub("c.conf"), desc, vm).ok());
  po::notify(vm);
  EXPECT_EQ(vm["listen"].as<std::string>(), "127.0.0.1:9000");  // file beats the default
  EXPECT_EQ(vm["io-threads"].as<int64_t>(), 5);                 // flag beats the file
  auto ttls = ParseNamespaceTtls(vm["ns-ttl"].as<std::vector<std::string>>());
  ASSERT_TRUE(ttls.ok()) << ttls.status().ToString();
  EXPECT_EQ(*ttls, (std::map<std::string, int64_t>{{"ratelimit", 60}, {"ruc", 10}}));
}

TEST(ConfigFileTest, NamesTheFileAndTheOptionOnErrors) {
  TempDir dir;
  po::options_description desc = TestOptions();
  po::variables_map vm;
  Status missing = StoreConfigFile(dir.Sub("none.conf"), desc, vm);
  EXPECT_NE(missing.message().find("none.conf"), std::string::npos) << missing.ToString();

  std::ofstream(dir.Sub("unknown.conf")) << "colour = blue\n";
  Status unknown = StoreConfigFile(dir.Sub("unknown.conf"), desc, vm);
  EXPECT_EQ(unknown.code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.message().find("colour"), std::string::npos) << unknown.ToString();

  std::ofstream(dir.Sub("bad.conf")) << "io-threads = many\n";
  Status bad = StoreConfigFile(dir.Sub("bad.conf"), desc, vm);
  EXPECT_NE(bad.message().find("io-threads"), std::string::npos) << bad.ToString();
}

TEST(ParseNamespaceTtlsTest, RejectsMalformedEntries) {
  for (const char* bad : {"ratelimit", "=60", "Bad Name=60", "ns=-1", "ns=abc", "ns=", ".x=5"}) {
    auto r = ParseNamespaceTtls({bad});
    EXPECT_EQ(r.code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("ns-ttl"), std::string::npos) << bad;
  }
  auto never = ParseNamespaceTtls({"forever=0"});
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(never->at("forever"), 0);
}

TEST(LogTest, JournalStreamMustNameTheFileStderrIsOpenOn) {
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  const std::string mine = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(StderrIsJournalStream(mine.c_str()));
  // Inherited from a parent whose stderr was the journal, while ours is a pipe or a file.
  const std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  EXPECT_FALSE(StderrIsJournalStream(other.c_str()));
  EXPECT_FALSE(StderrIsJournalStream(nullptr));
  EXPECT_FALSE(StderrIsJournalStream(""));
  EXPECT_FALSE(StderrIsJournalStream("garbage"));
  EXPECT_FALSE(StderrIsJournalStream((mine + "x").c_str()));
}

TEST(LogLevelTest, ParsesTheFourLevels) {
  for (const char* name : {"error", "warning", "info", "debug"}) {
    auto level = ParseLogLevel(name);
    ASSERT_TRUE(level.ok()) << name;
    EXPECT_EQ(LogLevelName(*level), name);
  }
  auto bad = ParseLogLevel("verbose");
  EXPECT_NE(bad.status().message().find("log-level"), std::string::npos);
}

}  // namespace
}  // namespace apicached
