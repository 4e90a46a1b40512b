#include "daemon/run.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "daemon/app.h"
#include "daemon/options.h"

namespace apicached {

int RunDaemon(int argc, const char* const argv[]) {
  auto cl = ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::cerr << "apicached: " << cl.status().message() << "\n(see apicached --help)\n";
    return 2;
  }
  if (cl->help) {
    std::cout << cl->help_text;
    return 0;
  }
  // Installed before the listening line, so a signal sent right after it is never lost.
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGTERM, SIGINT);
  std::signal(SIGPIPE, SIG_IGN);

  SystemClock clock;
  App app(std::move(cl->app), clock);
  if (Status s = app.Start(); !s.ok()) {
    std::cerr << "apicached: cannot start: " << s.ToString() << "\n";
    return 1;
  }
  std::cerr << "apicached: listening on " << app.listen_address() << std::endl;

  int signal_number = 0;
  signals.async_wait([&](const boost::system::error_code&, int n) { signal_number = n; });
  signals_ioc.run();
  Status closed = app.Stop();
  if (!closed.ok()) {
    std::cerr << "apicached: closing the store failed: " << closed.ToString() << "\n";
    return 1;
  }
  (void)signal_number;
  return 0;
}

}  // namespace apicached
