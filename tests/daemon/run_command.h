// Runs a shell command line to completion and captures what it printed (stdout and stderr).
#pragma once

#include <string>
#include <vector>

namespace apicached::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;  // stdout and stderr interleaved
};

// Quotes one word for /bin/sh.
std::string ShellQuote(const std::string& word);

// Runs argv (each word quoted) through /bin/sh with stderr merged into stdout.
CommandResult RunCommand(const std::vector<std::string>& argv);

// true when `name` is an executable found on PATH.
bool HaveProgram(const std::string& name);

}  // namespace apicached::testing
