// Checks the shipped units with systemd's own tools: `systemd-analyze verify` (syntax, known
// settings, an executable ExecStart) and `systemd-analyze security --offline=yes` (the
// hardening rating). Needs the Debian package `systemd` (for systemd-analyze); skips loudly
// without it.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/daemon/run_command.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

class SystemdUnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveProgram("systemd-analyze")) {
      GTEST_SKIP() << "SKIPPED LOUDLY: systemd-analyze not found; install the Debian package "
                      "'systemd' to check the units";
    }
    service_text_ = ReadFile(std::string(APICACHED_SOURCE_DIR) + "/systemd/apicached.service");
    socket_text_ = ReadFile(std::string(APICACHED_SOURCE_DIR) + "/systemd/apicached.socket");
    ASSERT_FALSE(service_text_.empty());
    ASSERT_FALSE(socket_text_.empty());
    // verify insists that ExecStart names an existing executable: point it at the built one.
    WriteFile(dir_.Sub("apicached.service"),
              ReplaceAll(service_text_, "/usr/bin/apicached", APICACHED_BINARY));
    WriteFile(dir_.Sub("apicached.socket"), socket_text_);
  }

  TempDir dir_;
  std::string service_text_;
  std::string socket_text_;
};

TEST_F(SystemdUnitsTest, ServiceStartsTheInstalledBinaryWithTheInstalledConfig) {
  EXPECT_NE(service_text_.find("\nExecStart=/usr/bin/apicached --config "
                               "/etc/apicached/apicached.conf"),
            std::string::npos);
  EXPECT_NE(service_text_.find("\nType=notify\n"), std::string::npos);
  EXPECT_NE(service_text_.find("\nWatchdogSec="), std::string::npos);
  EXPECT_NE(socket_text_.find("\nListenStream=127.0.0.1:7431\n"), std::string::npos);
}

TEST_F(SystemdUnitsTest, VerifyPassesWithoutAnyWarning) {
  CommandResult r = RunCommand(
      {"systemd-analyze", "verify", dir_.Sub("apicached.service"), dir_.Sub("apicached.socket")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd-analyze verify printed warnings";
}

TEST_F(SystemdUnitsTest, SecurityRatesTheServiceOkOrBetter) {
  CommandResult r = RunCommand({"systemd-analyze", "security", "--offline=yes", "--no-pager",
                                dir_.Sub("apicached.service")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // "→ Overall exposure level for apicached.service: 1.1 OK 🙂"; lower exposure is better and
  // systemd names the bands PERFECT, SAFE, OK, MEDIUM, EXPOSED, UNSAFE.
  std::smatch m;
  std::regex line(R"(Overall exposure level for [^:]+: ([0-9]+\.[0-9]) ([A-Z]+))");
  ASSERT_TRUE(std::regex_search(r.output, m, line)) << r.output;
  double exposure = std::stod(m[1].str());
  std::string rating = m[2].str();
  EXPECT_TRUE(rating == "PERFECT" || rating == "SAFE" || rating == "OK")
      << "rating " << rating << " (exposure " << exposure << ")\n"
      << r.output;
  EXPECT_LE(exposure, 2.0) << "the hardening regressed:\n" << r.output;
}

}  // namespace
}  // namespace apicached
