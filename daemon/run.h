// The daemon's entry point, apart from main() so that it stays tiny and later start-up steps
// (config files, systemd notify) have one place to go.
#pragma once

namespace apicached {

// Parses the command line, starts an App, prints exactly one line
//   apicached: listening on HOST:PORT
// to stderr once the store is open and the port listens, then waits for SIGTERM or SIGINT and
// stops gracefully. Returns the process exit code: 0 after a clean stop (and for --help), 2 for
// a bad command line, 1 when start-up or closing the store fails.
int RunDaemon(int argc, const char* const argv[]);

}  // namespace apicached
