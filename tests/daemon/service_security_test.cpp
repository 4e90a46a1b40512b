// The real apicached binary: the bearer token and the non-loopback refusal.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

using bhttp::verb;

struct Call {
  verb method;
  std::string target;
  std::optional<std::string> body;
};

// Protected routes of every kind: cache, namespaces, invalid IDs, RUC, admin.
const std::vector<Call>& ProtectedCalls() {
  static const std::vector<Call> calls = {
      {verb::put, "/v1/cache/ns/k", std::string("v")},
      {verb::get, "/v1/cache/ns/k", std::nullopt},
      {verb::get, "/v1/cache", std::nullopt},
      {verb::get, "/v1/cache/ns", std::nullopt},
      {verb::post, "/v1/cache/ns/_mget", std::string(R"({"keys":["k"]})")},
      {verb::get, "/v1/invalid/ruc", std::nullopt},
      {verb::get, "/v1/ruc/20131312955", std::nullopt},
      {verb::post, "/v1/admin/compact", std::string()},
      {verb::post, "/v1/admin/checkpoint", std::string()},
  };
  return calls;
}

void ExpectUnauthorized(const HttpResponse& res, const std::string& what) {
  EXPECT_EQ(res.result_int(), 401) << what << ": " << res.body();
  EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json") << what;
  EXPECT_NE(res[bhttp::field::www_authenticate], "") << what;
}

TEST(ServiceSecurityTest, TokenIsRequiredEverywhereButHealthAndMetrics) {
  TempDir dir;
  WriteTextFile(dir.Sub("token"), "s3cret-token\n");
  DaemonProcess d(
      Daemon({"--auth-token-file", dir.Sub("token"), "--backup-dir", dir.Sub("backups")}));
  ASSERT_TRUE(d.Start());  // polls /v1/health without a token
  HttpClient c(d.port());
  for (const Call& call : ProtectedCalls()) {
    const std::string what = std::string(bhttp::to_string(call.method)) + " " + call.target;
    ExpectUnauthorized(c.Send(call.method, call.target, call.body), what + " (no token)");
    ExpectUnauthorized(c.Send(call.method, call.target, call.body, Bearer("wrong")),
                       what + " (wrong token)");
    ExpectUnauthorized(c.Send(call.method, call.target, call.body,
                              {{bhttp::field::authorization, "Basic czNjcmV0LXRva2Vu"}}),
                       what + " (other scheme)");
    HttpResponse ok = c.Send(call.method, call.target, call.body, Bearer("s3cret-token"));
    EXPECT_NE(ok.result_int(), 401) << what << ": " << ok.body();
    EXPECT_LT(ok.result_int(), 500) << what << ": " << ok.body();
  }
  EXPECT_EQ(c.Get("/v1/cache/ns/k", Bearer("s3cret-token")).body(), "v");
  EXPECT_EQ(c.Get("/v1/health").result_int(), 200);
  // /metrics is public: whatever it answers, never 401.
  EXPECT_NE(c.Get("/metrics").result_int(), 401);
  EXPECT_NE(d.output().find("token required"), std::string::npos) << d.output();
  EXPECT_EQ(d.output().find("s3cret-token"), std::string::npos) << "the token was logged";
  EXPECT_EQ(d.Stop(), 0);
}

TEST(ServiceSecurityTest, SighupReloadsTheToken) {
  TempDir dir;
  WriteTextFile(dir.Sub("token"), "first\n");
  DaemonProcess d(Daemon({"--auth-token-file", dir.Sub("token")}));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  EXPECT_EQ(c.Get("/v1/cache", Bearer("first")).result_int(), 200);
  WriteTextFile(dir.Sub("token"), "second\n");
  d.Signal(SIGHUP);
  ASSERT_TRUE(d.WaitForOutput("reloaded", std::chrono::seconds(10))) << d.output();
  EXPECT_NE(d.output().find("auth token"), std::string::npos) << d.output();
  EXPECT_EQ(c.Get("/v1/cache", Bearer("first")).result_int(), 401);
  EXPECT_EQ(c.Get("/v1/cache", Bearer("second")).result_int(), 200);
  EXPECT_EQ(d.Stop(), 0);
}  // namespace

TEST(ServiceSecurityTest, BadTokenFileStopsTheStart) {
  TempDir dir;
  WriteTextFile(dir.Sub("empty"), "  \n");
  for (const std::string& file : {dir.Sub("missing"), dir.Sub("empty")}) {
    CommandResult r = RunApicached({"--config", "", "--data-dir", dir.Sub("data"), "--listen",
                                    "127.0.0.1:0", "--auth-token-file", file});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(file), std::string::npos) << r.output;
  }
}

TEST(ServiceSecurityTest, RefusesNonLoopbackWithoutAToken) {
  TempDir dir;
  CommandResult r =
      RunApicached({"--config", "", "--data-dir", dir.Sub("data"), "--listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to listen on the non-loopback address 0.0.0.0"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("allow-insecure-remote"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("auth-token-file"), std::string::npos) << r.output;
}

TEST(ServiceSecurityTest, NonLoopbackStartsWhenAllowedOrWithAToken) {
  TempDir dir;
  {
    DaemonProcess d(Daemon({"--listen", "0.0.0.0:0", "--allow-insecure-remote"}, {}, false));
    ASSERT_TRUE(d.Start());
    EXPECT_NE(d.output().find("without a token"), std::string::npos) << d.output();
    EXPECT_EQ(d.Stop(), 0);
  }
  WriteTextFile(dir.Sub("token"), "tok\n");
  DaemonProcess d(
      Daemon({"--listen", "0.0.0.0:0", "--auth-token-file", dir.Sub("token")}, {}, false));
  ASSERT_TRUE(d.Start());
  HttpClient c(d.port());
  EXPECT_EQ(c.Get("/v1/cache").result_int(), 401);
  EXPECT_EQ(c.Get("/v1/cache", Bearer("tok")).result_int(), 200);
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace apicached::testing
