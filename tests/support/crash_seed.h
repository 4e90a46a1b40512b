// The seed of a randomised test (the crash tests' kill moments and workloads): random on every
// run, printed and recorded as the test's "seed" property, and replayed by running the test with
// APICACHED_CRASH_SEED=<n>.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace apicached::testing {

// `what` names the test in the printed line ("crash test", "exec crash test").
inline uint64_t CrashSeed(const char* what) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("APICACHED_CRASH_SEED")) seed = std::stoull(s);
  std::printf("%s seed %llu (APICACHED_CRASH_SEED replays it)\n", what,
              static_cast<unsigned long long>(seed));
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace apicached::testing
