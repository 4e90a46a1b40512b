// The daemon's command line: every flag, its default and its check, in one table
// (daemon/options.cpp). `apicached --help` prints them all.
//
// Thread safety: pure function.
#pragma once

#include <string>

#include "daemon/app.h"

namespace apicached {

struct CommandLine {
  AppOptions app;
  bool help = false;      // --help: print help_text and exit 0
  std::string help_text;  // the option table with defaults, always filled
};

// InvalidArgument with a message naming the option when a flag is unknown or a value is bad
// (the daemon prints it and exits 2).
Result<CommandLine> ParseCommandLine(int argc, const char* const argv[]);

// "HOST:PORT" or "[V6]:PORT" -> address and port; InvalidArgument otherwise.
Status ParseListen(const std::string& text, std::string& host, uint16_t& port);

}  // namespace apicached
