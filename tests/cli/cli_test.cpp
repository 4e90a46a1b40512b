// apicachectl against a fake daemon (request formation, output, exit codes) and its pure parts.
// The same commands run against the real daemon in cli_daemon_test.cpp.
#include "cli/cli.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "cli/http_client.h"
#include "cli/output.h"
#include "tests/cli/fake_daemon.h"
#include "tests/support/temp_dir.h"

namespace apicached::cli {
namespace {

using testing::FakeDaemon;
using testing::FakeRequest;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::string stdin_text;
  bool stdin_tty = false;
  bool stdout_tty = false;
  std::map<std::string, std::string> env;

  RunOptions& Stdin(std::string text) {
    stdin_text = std::move(text);
    return *this;
  }
  RunOptions& StdinTty() {
    stdin_tty = true;
    return *this;
  }
  RunOptions& StdoutTty() {
    stdout_tty = true;
    return *this;
  }
  RunOptions& Env(const std::string& name, const std::string& value) {
    env[name] = value;
    return *this;
  }
};

CliRun RunWith(const std::vector<std::string>& args, const RunOptions& options = {}) {
  std::istringstream in(options.stdin_text);
  std::ostringstream out, err;
  CliIo io{.in = in,
           .out = out,
           .err = err,
           .stdin_is_tty = options.stdin_tty,
           .stdout_is_tty = options.stdout_tty,
           .getenv = [&](const char* name) -> const char* {
             auto it = options.env.find(name);
             return it == options.env.end() ? nullptr : it->second.c_str();
           }};
  CliRun r;
  r.code = RunCli(args, io);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Runs against the fake daemon's URL.
CliRun RunAt(const FakeDaemon& d, std::vector<std::string> args, RunOptions options = {}) {
  args.insert(args.begin(), {"--url", d.url()});
  return RunWith(args, options);
}

TEST(ParseBaseUrlTest, AcceptsHostPortAndPrefix) {
  auto u = ParseBaseUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->prefix, "");
  u = ParseBaseUrl("http://[::1]:9/cache/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "9");
  EXPECT_EQ(u->prefix, "/cache");
  EXPECT_EQ(u->Display(), "http://[::1]:9/cache");
  u = ParseBaseUrl("http://localhost");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, "7431");
  EXPECT_FALSE(u->tls);
  u = ParseBaseUrl("https://localhost:8443");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->Display(), "https://localhost:8443");
}

TEST(ParseBaseUrlTest, RejectsWhatItCannotUse) {
  for (const char* bad : {"ftp://h:1", "127.0.0.1:7431", "http://", "http://h:0", "http://h:x",
                          "http://h:70000", "http://u:p@h:1", "http://h:1/?q", "http://[::1"}) {
    auto u = ParseBaseUrl(bad);
    EXPECT_EQ(u.code(), Code::kInvalidArgument) << bad;
  }
}

TEST(PercentEncodeTest, KeepsUnreservedAndEncodesEverythingElse) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a/b c%?#+"), "a%2Fb%20c%25%3F%23%2B");
  EXPECT_EQ(PercentEncode(std::string("\x00\xff", 2)), "%00%FF");
}

TEST(OutputTest, ValuesBecomeJsonTextOrBase64) {
  EXPECT_EQ(ValueToJson(R"({"a":1})", "application/json").dump(),
            R"({"encoding":"json","value":{"a":1}})");
  EXPECT_EQ(ValueToJson("{not json", "application/json")["encoding"], "utf-8");
  EXPECT_EQ(ValueToJson("héllo", "text/plain")["value"], "héllo");
  auto bin = ValueToJson(std::string("\xff\x00\x01", 3), "");
  EXPECT_EQ(bin["encoding"], "base64");
  EXPECT_EQ(bin["value"], "/wAB");
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));      // truncated
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));   // €
  EXPECT_EQ(ValueForTerminal("a\x01"
                             "b\n"),
            "a\\x01b\n");
  EXPECT_EQ(ValueForTerminal(std::string("\xff\xfe", 2)),
            "(binary value, 2 bytes: pipe it or use -o json)");
}

TEST(CliUsageTest, BadCommandLinesExitWithTwo) {
  std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"ns", "frobnicate"},
      {"get", "onlyns"},
      {"get", "a", "b", "c"},
      {"set", "ns", "k"},
      {"-o", "yaml", "health"},
      {"--url", "ftp://x", "health"},
      {"--cacert", "ca.pem", "health"},  // TLS options without --tls or https://
      {"--bogus", "health"},
      {"--ttl", "-3", "set", "ns", "k", "v"},
      {"--ttl", "abc", "set", "ns", "k", "v"},
      {"invalid", "add", "list", "id"},  // no --reason
      {"--token-file", "/nonexistent/token", "health"},
  };
  for (const auto& args : bad) {
    CliRun r = RunWith(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.code, kExitUsage) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find("apicachectl: "), std::string::npos) << joined;
  }
}

TEST(CliUsageTest, HelpListsCommandsAndExitCodes) {
  CliRun r = RunWith({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  for (const char* word : {"get NS KEY", "ns clear", "invalid add", "ruc check", "Exit codes",
                           "APICACHED_URL", "--if-absent"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(CliConnectionTest, NoDaemonExitsWithFour) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(
      ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});  // a port nobody listens on after
  std::string url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
  probe.close();
  CliRun r = RunWith({"--url", url, "health"});
  EXPECT_EQ(r.code, kExitConnectionError) << r.err;
  EXPECT_NE(r.err.find("cannot connect to " + url), std::string::npos) << r.err;
}

TEST(CliFakeDaemonTest, GetEncodesTheKeyAndSendsTheToken) {
  FakeDaemon d([](const FakeRequest&) { return FakeDaemon::Reply(200, "v", "text/plain"); });
  CliRun r =
      RunAt(d, {"get", "weather", "lima/pe 1%"}, RunOptions().Env("APICACHED_TOKEN", "s3cret"));
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "v");
  auto reqs = d.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method_string(), "GET");
  EXPECT_EQ(reqs[0].target(), "/v1/cache/weather/lima%2Fpe%201%25");
  EXPECT_EQ(reqs[0][boost::beast::http::field::authorization], "Bearer s3cret");
  // --token beats the environment; --token-file too.
  r = RunAt(d, {"--token", "flag", "get", "n", "k"}, RunOptions().Env("APICACHED_TOKEN", "env"));
  EXPECT_EQ(d.requests().back()[boost::beast::http::field::authorization], "Bearer flag");
  testing::TempDir dir;
  std::ofstream(dir.Sub("token")) << "from-file\n";
  r = RunAt(d, {"--token-file", dir.Sub("token"), "get", "n", "k"});
  EXPECT_EQ(d.requests().back()[boost::beast::http::field::authorization], "Bearer from-file");
}

TEST(CliFakeDaemonTest, UsesApicachedUrlFromTheEnvironment) {
  FakeDaemon d(
      [](const FakeRequest&) { return FakeDaemon::Reply(200, R"({"status":"healthy"})"); });
  CliRun r = RunWith({"health"}, RunOptions().Env("APICACHED_URL", d.url()));
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "status: healthy\n");
  EXPECT_EQ(d.requests().size(), 1u);
}

TEST(CliFakeDaemonTest, GetShowsBinaryValuesSafelyOnATerminalAndRawWhenPiped) {
  std::string bytes("\x00\xff\x10", 3);
  FakeDaemon d([&](const FakeRequest&) {
    auto res = FakeDaemon::Reply(200, bytes, "application/octet-stream");
    res.set("ETag", "\"7\"");
    res.set("Cache-Control", "max-age=42");
    return res;
  });
  EXPECT_EQ(RunAt(d, {"get", "n", "k"}).out, bytes);
  EXPECT_EQ(RunAt(d, {"get", "n", "k"}, RunOptions().StdoutTty()).out,
            "(binary value, 3 bytes: pipe it or use -o json)\n");
  CliRun r = RunAt(d, {"-o", "json", "get", "n", "k"});
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["value"], "AP8Q");
  EXPECT_EQ(j["encoding"], "base64");
  EXPECT_EQ(j["etag"], "\"7\"");
  EXPECT_EQ(j["ttl"], 42);
}

TEST(CliFakeDaemonTest, StatusCodesMapToExitCodes) {
  unsigned status = 404;
  FakeDaemon d([&](const FakeRequest&) {
    return FakeDaemon::Reply(
        status, R"({"title":"Nope","detail":"why not","status":)" + std::to_string(status) + "}",
        "application/problem+json");
  });
  EXPECT_EQ(RunAt(d, {"get", "n", "k"}).code, kExitNotFound);
  EXPECT_EQ(RunAt(d, {"del", "n", "k"}).code, kExitNotFound);
  EXPECT_EQ(RunAt(d, {"touch", "n", "k"}).code, kExitNotFound);
  EXPECT_EQ(RunAt(d, {"invalid", "get", "l", "i"}).code, kExitNotFound);
  status = 503;
  CliRun r = RunAt(d, {"get", "n", "k"});
  EXPECT_EQ(r.code, kExitServerError);
  EXPECT_NE(r.err.find("HTTP 503 Nope: why not"), std::string::npos) << r.err;
  EXPECT_EQ(RunAt(d, {"health"}).code, kExitServerError);
  status = 401;
  EXPECT_EQ(RunAt(d, {"ns", "list"}).code, kExitClientError);
  status = 400;
  EXPECT_EQ(RunAt(d, {"set", "n", "k", "v"}).code, kExitClientError);
}

TEST(CliFakeDaemonTest, SetSendsStdinTtlAndIfAbsent) {
  FakeDaemon d([](const FakeRequest& req) {
    if (req[boost::beast::http::field::if_none_match] == "*") return FakeDaemon::Reply(412);
    return FakeDaemon::Reply(201);
  });
  std::string bytes("a\0b\xff", 4);
  CliRun r = RunAt(d, {"set", "n", "k", "-", "--ttl", "60"}, RunOptions().Stdin(bytes));
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "OK\n");
  auto req = d.requests().back();
  EXPECT_EQ(req.method_string(), "PUT");
  EXPECT_EQ(req.target(), "/v1/cache/n/k?ttl=60");
  EXPECT_EQ(req.body(), bytes);
  EXPECT_EQ(req[boost::beast::http::field::content_type], "application/octet-stream");

  r = RunAt(d, {"set", "--if-absent", "n", "k", "text", "--content-type", "application/json"});
  EXPECT_EQ(r.code, kExitClientError);
  EXPECT_NE(r.err.find("already has a live entry"), std::string::npos) << r.err;
  req = d.requests().back();
  EXPECT_EQ(req.body(), "text");
  EXPECT_EQ(req[boost::beast::http::field::content_type], "application/json");
}

TEST(CliFakeDaemonTest, IncrAcceptsNegativeAmounts) {
  FakeDaemon d([](const FakeRequest&) { return FakeDaemon::Reply(200, R"({"value":-4})"); });
  CliRun r = RunAt(d, {"incr", "n", "k", "--by", "-5", "--ttl", "60"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "-4\n");
  EXPECT_EQ(d.requests().back().target(), "/v1/cache/n/k/incr?by=-5&ttl=60");
  RunAt(d, {"incr", "n", "k"});
  EXPECT_EQ(d.requests().back().target(), "/v1/cache/n/k/incr?by=1");
}

TEST(CliFakeDaemonTest, NsClearConfirmsOnATerminalAndRefusesWithoutOne) {
  FakeDaemon d([](const FakeRequest&) { return FakeDaemon::Reply(204, "", ""); });
  CliRun r = RunAt(d, {"ns", "clear", "weather"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  EXPECT_TRUE(d.requests().empty());

  r = RunAt(d, {"ns", "clear", "weather"}, RunOptions().Stdin("n\n").StdinTty());
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("[y/N]"), std::string::npos) << r.err;
  EXPECT_TRUE(d.requests().empty());

  r = RunAt(d, {"ns", "clear", "weather"}, RunOptions().Stdin("y\n").StdinTty());
  EXPECT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(d.requests().size(), 1u);
  EXPECT_EQ(d.requests()[0].method_string(), "DELETE");
  EXPECT_EQ(d.requests()[0].target(), "/v1/cache/weather");

  r = RunAt(d, {"ns", "clear", "weather", "--yes", "--prefix", "lima/"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(d.requests().back().target(), "/v1/cache/weather?prefix=lima%2F");
}

TEST(CliFakeDaemonTest, NsDropAsksAndSendsTheDropRoute) {
  FakeDaemon d([](const FakeRequest& req) {
    return req.target() == "/v1/cache/gone?drop=true"
               ? FakeDaemon::Reply(204, "", "")
               : FakeDaemon::Reply(404, R"({"status":404,"detail":"no such namespace"})",
                                   "application/problem+json");
  });
  CliRun r = RunAt(d, {"ns", "drop", "weather"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  EXPECT_TRUE(d.requests().empty());

  r = RunAt(d, {"ns", "drop", "gone"}, RunOptions().Stdin("y\n").StdinTty());
  EXPECT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(d.requests().size(), 1u);
  EXPECT_EQ(d.requests()[0].method_string(), "DELETE");
  EXPECT_EQ(d.requests()[0].target(), "/v1/cache/gone?drop=true");

  r = RunAt(d, {"ns", "drop", "weather", "--yes"});
  EXPECT_EQ(r.code, kExitNotFound) << r.err;
}

TEST(CliFakeDaemonTest, MgetPrintsEachKeyAndFailsWhenOneIsMissing) {
  FakeDaemon d([](const FakeRequest&) {
    return FakeDaemon::Reply(200, R"({"found":{"a":{"value":{"x":1},"encoding":"json"},)"
                                  R"("b":{"value":"hi","encoding":"utf-8"}},"missing":["c"]})");
  });
  CliRun r = RunAt(d, {"mget", "n", "a", "b", "c"});
  EXPECT_EQ(r.code, kExitNotFound);
  EXPECT_EQ(r.out, "a\t{\"x\":1}\nb\thi\nc\t(missing)\n");
  EXPECT_EQ(nlohmann::json::parse(d.requests()[0].body()),
            nlohmann::json::parse(R"({"keys":["a","b","c"]})"));
  EXPECT_EQ(d.requests()[0].target(), "/v1/cache/n/_mget");
}

TEST(CliFakeDaemonTest, RucCheckExitsSixWhenTheRucIsNotValid) {
  std::string answer;
  FakeDaemon d([&answer](const FakeRequest&) { return FakeDaemon::Reply(200, answer); });
  answer = R"({"ruc":"20131312955","valid_format":true,"reason":null,"invalid":null})";
  EXPECT_EQ(RunAt(d, {"ruc", "check", "20131312955"}).code, kExitOk);
  answer = R"({"ruc":"12345678901","valid_format":false,"reason":"UNKNOWN_PREFIX","invalid":null})";
  CliRun bad = RunAt(d, {"ruc", "check", "12345678901"});
  EXPECT_EQ(bad.code, kExitInvalid);
  EXPECT_NE(bad.out.find("UNKNOWN_PREFIX"), std::string::npos) << bad.out;  // still printed
  answer = R"({"ruc":"20131312955","valid_format":true,"reason":null,)"
           R"("invalid":{"reason":"NOT_FOUND","attempts":1}})";
  EXPECT_EQ(RunAt(d, {"ruc", "check", "20131312955"}).code, kExitInvalid);
}

TEST(CliFakeDaemonTest, InvalidAndRucCommandsBuildTheirRequests) {
  FakeDaemon d([](const FakeRequest&) { return FakeDaemon::Reply(200, R"({"ok":true})"); });
  EXPECT_EQ(RunAt(d, {"invalid", "add", "ruc", "2051", "--reason", "NOT_FOUND", "--ttl", "9"}).code,
            kExitOk);
  auto req = d.requests().back();
  EXPECT_EQ(req.method_string(), "PUT");
  EXPECT_EQ(req.target(), "/v1/invalid/ruc/2051");
  EXPECT_EQ(nlohmann::json::parse(req.body()),
            nlohmann::json::parse(R"({"reason":"NOT_FOUND","ttl":9})"));
  RunAt(d, {"invalid", "list", "ruc", "--limit", "5", "--after", "x y"});
  EXPECT_EQ(d.requests().back().target(), "/v1/invalid/ruc?limit=5&after=x%20y");
  RunAt(d, {"invalid", "del", "ruc", "2051"});
  EXPECT_EQ(d.requests().back().method_string(), "DELETE");
  RunAt(d, {"ruc", "check", "20512333798", "--record"});
  EXPECT_EQ(d.requests().back().target(), "/v1/ruc/20512333798?record=1");
  RunAt(d, {"stats", "--date", "2026-01-02"});
  EXPECT_EQ(d.requests().back().target(), "/v1/stats?date=2026-01-02");
  RunAt(d, {"admin", "compact", "--ns", "weather"});
  EXPECT_EQ(d.requests().back().target(), "/v1/admin/compact?ns=weather");
  CliRun r = RunAt(d, {"-o", "json", "admin", "checkpoint"});
  EXPECT_EQ(r.out, "{\"ok\":true}\n");
}

}  // namespace
}  // namespace apicached::cli
