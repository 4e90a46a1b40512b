// apicached: see daemon/run.h and docs/API.md.
#include "daemon/run.h"

int main(int argc, char** argv) {
  return apicached::RunDaemon(argc, argv);
}
