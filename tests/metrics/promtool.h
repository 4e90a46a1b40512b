// Runs `promtool check metrics` (Debian package `prometheus`) on a text exposition.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace apicached::testing {

// The path of promtool, or nullopt when it is not installed.
inline std::optional<std::string> FindPromtool() {
  for (const char* path : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (std::ifstream(path).good()) return std::string(path);
  }
  return std::nullopt;
}

struct PromtoolResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together: the complaints, if any
};

// REQUIRES: dir is a writable directory.
inline PromtoolResult PromtoolCheckMetrics(const std::string& promtool, const std::string& dir,
                                           const std::string& exposition) {
  const std::string input = dir + "/exposition.txt";
  std::ofstream(input, std::ios::binary) << exposition;
  const std::string command = promtool + " check metrics < '" + input + "' 2>&1";
  PromtoolResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace apicached::testing
