// The real apicached binary: the TLS settings at start (issue #19). A non-loopback listener needs
// TLS or a token, and what the refusal or the warning says is missing. These runs never listen:
// they end at the refusal, or at the store that cannot open (a data dir under a regular file),
// which comes after the listener checks. The TLS traffic itself: tests/tls_py.
#include <gtest/gtest.h>

#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

// A self-signed certificate and key in dir (cert.pem, key.pem); false when openssl is missing.
bool MakeCertificate(TempDir& dir) {
  if (!HaveProgram("openssl")) return false;
  CommandResult r = RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.Sub("key.pem"),
                                "-out", dir.Sub("cert.pem"), "-days", "1", "-subj", "/CN=x"});
  return r.exit_code == 0;
}

// A data dir that cannot be created: start-up fails after the listener checks, before binding.
std::string UnopenableDataDir(TempDir& dir) {
  WriteTextFile(dir.Sub("file"), "");
  return dir.Sub("file") + "/data";
}

TEST(ServiceTlsTest, TheRefusalSaysTlsAndTheTokenAreMissing) {
  TempDir dir;
  CommandResult r = RunApicached({"--config", "", "--data-dir", UnopenableDataDir(dir), "--listen",
                                  "127.0.0.1:0", "--redis-listen", "0.0.0.0:0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to listen on the non-loopback address 0.0.0.0 (Redis) "
                          "without TLS or an auth token"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("redis-tls"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("auth-token-file"), std::string::npos) << r.output;
}

TEST(ServiceTlsTest, TlsWithoutATokenWarnsThatTheTokenIsMissing) {
  TempDir dir;
  if (!MakeCertificate(dir)) GTEST_SKIP() << "\n*** openssl is NOT INSTALLED: NOT tested. ***\n";
  CommandResult r = RunApicached({"--config", "", "--data-dir", UnopenableDataDir(dir), "--listen",
                                  "0.0.0.0:0", "--http-tls", "--tls-cert-file", dir.Sub("cert.pem"),
                                  "--tls-key-file", dir.Sub("key.pem")});
  EXPECT_EQ(r.output.find("refusing to listen"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(HTTP) with TLS but no token"), std::string::npos) << r.output;
  EXPECT_EQ(r.exit_code, 1) << r.output;  // the store, not the listener
}

TEST(ServiceTlsTest, ATokenWithoutTlsWarnsThatTlsIsMissing) {
  TempDir dir;
  WriteTextFile(dir.Sub("token"), "tok\n");
  CommandResult r =
      RunApicached({"--config", "", "--data-dir", UnopenableDataDir(dir), "--listen", "127.0.0.1:0",
                    "--memcached-listen", "0.0.0.0:0", "--auth-token-file", dir.Sub("token")});
  EXPECT_NE(r.output.find("(memcached) with a token but no TLS"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("memcached-tls"), std::string::npos) << r.output;
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(ServiceTlsTest, BadTlsSettingsAreRefusedAtStart) {
  TempDir dir;
  CommandResult no_files = RunApicached(
      {"--config", "", "--data-dir", dir.Sub("d"), "--redis-listen", "127.0.0.1:0", "--redis-tls"});
  EXPECT_EQ(no_files.exit_code, 2) << no_files.output;
  EXPECT_NE(no_files.output.find("need --tls-cert-file and --tls-key-file"), std::string::npos)
      << no_files.output;
  WriteTextFile(dir.Sub("junk.pem"), "not a certificate\n");
  CommandResult junk =
      RunApicached({"--config", "", "--data-dir", dir.Sub("d"), "--http-tls", "--tls-cert-file",
                    dir.Sub("junk.pem"), "--tls-key-file", dir.Sub("junk.pem")});
  EXPECT_EQ(junk.exit_code, 2) << junk.output;
  EXPECT_NE(junk.output.find("cannot use tls-cert-file"), std::string::npos) << junk.output;
  CommandResult mode =
      RunApicached({"--config", "", "--data-dir", dir.Sub("d"), "--tls-auth-clients", "maybe"});
  EXPECT_EQ(mode.exit_code, 2) << mode.output;
  EXPECT_NE(mode.output.find("no, yes or optional"), std::string::npos) << mode.output;
}

}  // namespace
}  // namespace apicached::testing
