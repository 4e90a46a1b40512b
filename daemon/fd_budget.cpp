#include "daemon/fd_budget.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace apicached {

namespace {

uint64_t Clamp(rlim_t v) {
  return v == RLIM_INFINITY ? kMaxNofile : std::min<uint64_t>(v, kMaxNofile);
}

}  // namespace

Result<NofileLimit> CurrentNofileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return Status::Unavailable(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  return NofileLimit{
      .soft_before = Clamp(lim.rlim_cur), .soft = Clamp(lim.rlim_cur), .hard = Clamp(lim.rlim_max)};
}

Result<NofileLimit> RaiseNofileLimit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    return Status::Unavailable(std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno));
  }
  NofileLimit out{
      .soft_before = Clamp(lim.rlim_cur), .soft = Clamp(lim.rlim_cur), .hard = Clamp(lim.rlim_max)};
  if (out.soft < out.hard) {
    rlimit raised = lim;  // the hard limit itself stays as it is (also when unlimited)
    raised.rlim_cur = static_cast<rlim_t>(out.hard);
    if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
      return Status::Unavailable("setrlimit(RLIMIT_NOFILE, " + std::to_string(out.hard) +
                                 "): " + std::strerror(errno));
    }
    out.soft = out.hard;
  }
  return out;
}

Result<FdBudget> ComputeFdBudget(uint64_t nofile, const FdBudgetOptions& options) {
  FdBudget b{.nofile = nofile,
             .reserve = options.reserve,
             .store_fixed = kStoreFixedFds + options.namespaces};
  const std::string limit =
      "the file-descriptor limit (RLIMIT_NOFILE) is " + std::to_string(nofile) +
      ", of which fd-reserve keeps " + std::to_string(options.reserve) + " and the store " +
      std::to_string(b.store_fixed) + " besides its table files (one per namespace it may create)";
  const uint64_t fixed = options.reserve + b.store_fixed;
  if (nofile <= fixed + kMinStoreOpenFiles) {
    return Status::InvalidArgument(limit +
                                   ": nothing is left for table files and connections; "
                                   "raise LimitNOFILE= (ulimit -n) or lower fd-reserve");
  }
  const uint64_t available = nofile - fixed;
  b.store_max_open_files =
      options.store_max_open_files != 0
          ? options.store_max_open_files
          : std::clamp<uint64_t>(available / 4, std::min<uint64_t>(64, available / 2),
                                 kMaxDerivedStoreOpenFiles);
  if (b.store_max_open_files < kMinStoreOpenFiles) {
    return Status::InvalidArgument("max-open-files must be at least " +
                                   std::to_string(kMinStoreOpenFiles));
  }
  if (b.store_max_open_files >= available) {
    return Status::InvalidArgument(limit + ": max-open-files " +
                                   std::to_string(b.store_max_open_files) +
                                   " leaves no descriptor for connections");
  }
  const uint64_t left = available - b.store_max_open_files;
  if (options.max_connections == 0) {
    b.max_connections = static_cast<size_t>(std::min<uint64_t>(left, kMaxDerivedConnections));
  } else if (options.max_connections > left) {
    return Status::InvalidArgument(
        limit + ": max-connections " + std::to_string(options.max_connections) +
        " and max-open-files " + std::to_string(b.store_max_open_files) + " do not fit (at most " +
        std::to_string(left) + " connections would); raise LimitNOFILE= (ulimit -n) or lower them");
  } else {
    b.max_connections = options.max_connections;
  }
  return b;
}

std::string DescribeFdBudget(const NofileLimit& limit, const FdBudget& budget) {
  std::string raised = limit.soft_before == limit.soft
                           ? std::string("not raised")
                           : "raised from " + std::to_string(limit.soft_before);
  return "file descriptors: limit " + std::to_string(limit.soft) + " (hard " +
         std::to_string(limit.hard) + ", " + raised + "); max-connections " +
         std::to_string(budget.max_connections) + ", store max-open-files " +
         std::to_string(budget.store_max_open_files) + " (+" + std::to_string(budget.store_fixed) +
         " fixed), fd-reserve " + std::to_string(budget.reserve);
}

}  // namespace apicached
