// The daemon's entry point, apart from main() so that it stays tiny.
#pragma once

namespace apicached {

// Runs apicached as a service (daemon/service.h): options from the command line and the
// configuration file, socket activation, the bearer token, the systemd notify protocol, SIGHUP
// reload, graceful stop on SIGTERM/SIGINT. Prints exactly one line
//   apicached: listening on HOST:PORT
// to stderr once the store is open and the port listens (outside journald; under journald the
// line is "<6>listening on HOST:PORT"). Returns the process exit code: 0 after a clean stop
// (and for --help), 2 for a bad command line or configuration, 1 when start-up or closing the
// store fails.
int RunDaemon(int argc, const char* const argv[]);

}  // namespace apicached
