#include "daemon/run.h"

#include "daemon/service.h"

namespace apicached {

int RunDaemon(int argc, const char* const argv[]) {
  return RunService(argc, argv);
}

}  // namespace apicached
