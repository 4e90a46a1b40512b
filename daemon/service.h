// The daemon as a system service: everything between the command line and the App.
//
// RunService(argc, argv):
//  1. parses flags and the configuration file (flags win); a bad value -> exit 2;
//  2. takes a socket passed by systemd (LISTEN_FDS) instead of binding --listen;
//  3. loads the bearer token (--auth-token-file, else the systemd credential
//     $CREDENTIALS_DIRECTORY/auth-token) and refuses a non-loopback address without one unless
//     --allow-insecure-remote (exit 2);
//  4. starts the App (STATUS= lines, EXTEND_TIMEOUT_USEC every few seconds while the store
//     opens), registers the token check and the admin routes, logs
//     "apicached: listening on HOST:PORT" and sends READY=1;
//  5. runs the control loop: WATCHDOG=1 at half of WatchdogSec, SIGHUP reloads the run-time
//     settings (TTL defaults, log level, token), SIGTERM/SIGINT send STOPPING=1 and stop the
//     App gracefully (exit 0).
// Exit codes: 0 clean stop (and --help), 1 start-up or close failure, 2 bad configuration.
//
// Thread safety: call once, from main.
#pragma once

namespace apicached {

// The exit code, see above.
int RunService(int argc, const char* const argv[]);

}  // namespace apicached
