#include "tests/daemon/run_command.h"

#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>

namespace apicached::testing {

std::string ShellQuote(const std::string& word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult RunCommand(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) line += ShellQuote(word) + " ";
  line += "2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + line);
  CommandResult result;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) result.output.append(buf, n);
  int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

bool HaveProgram(const std::string& name) {
  return RunCommand({"sh", "-c", "command -v " + ShellQuote(name)}).exit_code == 0;
}

}  // namespace apicached::testing
