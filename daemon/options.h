// The daemon's options: every flag, its default and its check, in one table
// (daemon/options.cpp). The same options are read from the configuration file
// (/etc/apicached/apicached.conf when present, or --config FILE) after the command line, so
// flags win. `apicached --help` prints them all with their defaults.
//
// Thread safety: pure function (it reads the configuration file).
#pragma once

#include <string>

#include "daemon/app.h"
#include "daemon/config_file.h"
#include "daemon/fd_budget.h"
#include "daemon/log.h"
#include "net/tls_context.h"

namespace apicached {

// The settings of the service runner (daemon/service.h) that are not the App's.
struct ServiceOptions {
  std::string config_file;      // the file that was read; "" when none
  std::string auth_token_file;  // "" : the systemd credential, else no token
  bool allow_insecure_remote = false;
  LogLevel log_level = LogLevel::kInfo;
  std::string backup_dir;  // "" : checkpoints refused
  bool watchdog = true;    // answer systemd's watchdog when WATCHDOG_USEC is set
  // --test-clock-offset: seconds added to the wall clock of every TTL decision (tests of expiry
  // against the real binary, which cannot inject a FakeClock); 0 in production.
  int64_t clock_offset_seconds = 0;
  // max-connections, max-open-files (0: derived) and fd-reserve; the service computes the split
  // of RLIMIT_NOFILE from them at start (daemon/fd_budget.h) into AppOptions.
  FdBudgetOptions fd_budget;
  // TLS (docs/operations.md): the certificate settings every TLS listener shares, and which
  // listeners have it. The service loads them at start and again on SIGHUP.
  net::TlsOptions tls;
  bool http_tls = false;
  bool memcached_tls = false;
  bool redis_tls = false;
};

struct CommandLine {
  AppOptions app;
  ServiceOptions service;
  bool help = false;      // --help: print help_text and exit 0
  std::string help_text;  // the option table with defaults, always filled
};

// InvalidArgument with a message naming the option (and the file, for a value read from it)
// when a flag or setting is unknown or a value is bad (the daemon prints it and exits 2).
// default_config: the file read when --config is not given, if it exists (tests pass another
// path); `--config ''` reads none.
Result<CommandLine> ParseCommandLine(int argc, const char* const argv[],
                                     const std::string& default_config = kDefaultConfigPath);

// "HOST:PORT" or "[V6]:PORT" -> address and port; InvalidArgument otherwise.
Status ParseListen(const std::string& text, std::string& host, uint16_t& port);

}  // namespace apicached
