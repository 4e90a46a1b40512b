// net::TlsContext without sockets: what it refuses to load, and a reload that fails keeping the
// current context. Certificates are made with openssl (skipped loudly when it is missing).
#include "net/tls_context.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace apicached::net {
namespace {

using testing::TempDir;

bool HaveOpenssl() {
  return std::system("command -v openssl >/dev/null 2>&1") == 0;
}

// A self-signed certificate (cert.pem) and its key (key.pem), and a second key (other.pem).
void MakeFiles(const TempDir& dir) {
  const std::string cmd =
      "cd '" + dir.path() +
      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem "
      "-out cert.pem -days 1 -subj /CN=x 2>/dev/null && openssl genpkey -algorithm EC -pkeyopt "
      "ec_paramgen_curve:P-256 -out other.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

TlsOptions Files(const std::string& cert, const std::string& key,
                 ClientAuth auth = ClientAuth::kNo) {
  TlsOptions o;
  o.cert_file = cert;
  o.key_file = key;
  o.auth_clients = auth;
  return o;
}

TEST(TlsContextTest, ParsesRedisWordsForClientAuth) {
  EXPECT_EQ(*ParseClientAuth("no"), ClientAuth::kNo);
  EXPECT_EQ(*ParseClientAuth("yes"), ClientAuth::kYes);
  EXPECT_EQ(*ParseClientAuth("optional"), ClientAuth::kOptional);
  EXPECT_FALSE(ParseClientAuth("true").ok());
  EXPECT_EQ(ClientAuthName(ClientAuth::kOptional), "optional");
}

TEST(TlsContextTest, RefusesMissingAndMismatchedFiles) {
  TempDir dir;
  auto none = TlsContext::Load({});
  EXPECT_EQ(none.code(), Code::kInvalidArgument);
  auto missing = TlsContext::Load(Files(dir.Sub("nope.pem"), dir.Sub("k")));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.pem"), std::string::npos);
  if (!HaveOpenssl()) GTEST_SKIP() << "\n*** openssl is NOT INSTALLED: the rest NOT tested ***\n";
  MakeFiles(dir);
  auto mismatched = TlsContext::Load(Files(dir.Sub("cert.pem"), dir.Sub("other.pem")));
  ASSERT_FALSE(mismatched.ok());
  // OpenSSL's own check ("key values mismatch") or ours ("does not match").
  const std::string& why = mismatched.status().message();
  EXPECT_TRUE(why.find("mismatch") != std::string::npos ||
              why.find("does not match") != std::string::npos)
      << why;
  auto no_ca = TlsContext::Load(Files(dir.Sub("cert.pem"), dir.Sub("key.pem"), ClientAuth::kYes));
  ASSERT_FALSE(no_ca.ok());
  EXPECT_NE(no_ca.status().message().find("tls-ca-cert-file"), std::string::npos);
}

TEST(TlsContextTest, AFailedReloadKeepsTheCurrentContext) {
  if (!HaveOpenssl()) GTEST_SKIP() << "\n*** openssl is NOT INSTALLED: NOT tested ***\n";
  TempDir dir;
  MakeFiles(dir);
  auto tls = TlsContext::Load(Files(dir.Sub("cert.pem"), dir.Sub("key.pem")));
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  auto first = (*tls)->Current();
  ASSERT_TRUE((*tls)->Reload().ok());
  auto second = (*tls)->Current();
  EXPECT_NE(first, second);  // a reload makes a new context; `first` stays valid for its users
  std::ofstream(dir.Sub("cert.pem")) << "garbage\n";
  EXPECT_EQ((*tls)->Reload().code(), Code::kInvalidArgument);
  EXPECT_EQ((*tls)->Current(), second);
}

}  // namespace
}  // namespace apicached::net
