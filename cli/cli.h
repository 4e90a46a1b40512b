// apicachectl: the command-line client of apicached (in the spirit of redis-cli and etcdctl).
//
// RunCli parses the arguments, sends the requests and prints the answers; main() only wires the
// process's streams to it, so tests can drive it in-process as well as through the binary.
// The commands, options and exit codes are listed by `apicachectl --help` and in
// docs/operations.md.
//
// Thread safety: RunCli uses only what it is given (plus the process environment through
// CliIo::getenv); concurrent calls with distinct CliIo objects are safe.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace apicached::cli {

// Process exit codes, a stable interface for scripts.
enum ExitCode : int {
  kExitOk = 0,
  kExitNotFound = 1,         // the key, namespace, record... does not exist (404)
  kExitUsage = 2,            // bad command line (or a confirmation refused)
  kExitServerError = 3,      // the daemon answered 5xx (e.g. 503: store unavailable)
  kExitConnectionError = 4,  // no answer: cannot resolve, connect, refused, timed out
  kExitClientError = 5,      // the daemon refused the request: 4xx other than 404
  kExitInvalid = 6,          // `ruc check`: the RUC is not valid (bad format or recorded invalid)
};

struct CliIo {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool stdin_is_tty = false;
  bool stdout_is_tty = false;
  // Reads an environment variable (nullptr when unset); std::getenv in the binary.
  std::function<const char*(const char*)> getenv;
};

// args excludes the program name. Returns the exit code.
int RunCli(const std::vector<std::string>& args, CliIo& io);

}  // namespace apicached::cli
