// `cmake --install` into a temporary prefix: the binaries, the units rewritten for the prefix,
// the commented default configuration (never overwriting an existing one) and the docs; the
// installed daemon starts with the installed configuration.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/daemon/service_test_util.h"
#include "tests/support/daemon_process.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {
namespace {

namespace fs = std::filesystem;

TEST(ServiceInstallTest, InstallsBinariesUnitsConfigAndDocsUnderThePrefix) {
  if (!HaveProgram("cmake")) GTEST_SKIP() << "SKIPPED LOUDLY: cmake not on PATH";
  TempDir dir;
  const std::string prefix = dir.Sub("prefix");
  CommandResult r = RunCommand({"cmake", "--install", APICACHED_BUILD_DIR, "--prefix", prefix});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* file :
       {"bin/apicached", "bin/apicachectl", "lib/systemd/system/apicached.service",
        "lib/systemd/system/apicached.socket", "etc/apicached/apicached.conf",
        "share/doc/apicached/operations.md", "share/doc/apicached/apicached.conf.example"}) {
    EXPECT_TRUE(fs::exists(prefix + "/" + file)) << file << "\n" << r.output;
  }
  const std::string unit = ReadTextFile(prefix + "/lib/systemd/system/apicached.service");
  EXPECT_NE(unit.find("ExecStart=" + prefix + "/bin/apicached --config " + prefix +
                      "/etc/apicached/apicached.conf"),
            std::string::npos)
      << unit;

  // A second install keeps the operator's edited configuration.
  WriteTextFile(prefix + "/etc/apicached/apicached.conf", "default-ttl = 77\n");
  r = RunCommand({"cmake", "--install", APICACHED_BUILD_DIR, "--prefix", prefix});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadTextFile(prefix + "/etc/apicached/apicached.conf"), "default-ttl = 77\n");

  // The installed daemon with the installed configuration.
  SpawnedProcess p({prefix + "/bin/apicached", "--config", prefix + "/etc/apicached/apicached.conf",
                    "--listen", "127.0.0.1:0", "--data-dir", dir.Sub("data")},
                   {});
  ASSERT_TRUE(p.WaitForOutput("listening on 127.0.0.1:", std::chrono::seconds(30))) << p.output();
  ASSERT_TRUE(p.WaitForOutput("\n", std::chrono::seconds(1)));
  const std::string out = p.output();
  const size_t at = out.find("listening on 127.0.0.1:") + 23;
  const uint16_t port = static_cast<uint16_t>(std::stoi(out.substr(at)));
  HttpClient c(port);
  ASSERT_EQ(c.Put("/v1/cache/misc/k", "v").result_int(), 201);
  EXPECT_EQ(BodyJson(c.Get("/v1/cache/misc"))["default_ttl_seconds"], 77);
  EXPECT_EQ(p.Stop(), 0) << p.output();
}

}  // namespace
}  // namespace apicached::testing
