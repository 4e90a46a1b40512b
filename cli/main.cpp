// apicachectl: see cli/cli.h.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  apicached::cli::CliIo io{.in = std::cin,
                           .out = std::cout,
                           .err = std::cerr,
                           .stdin_is_tty = ::isatty(STDIN_FILENO) == 1,
                           .stdout_is_tty = ::isatty(STDOUT_FILENO) == 1,
                           .getenv = [](const char* name) { return std::getenv(name); }};
  int code = apicached::cli::RunCli(args, io);
  std::cout.flush();
  return code;
}
