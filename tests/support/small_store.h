// The store of the front tests (executors, sessions, servers): a real RocksStore in dir/db on the
// test's clock, without the maintenance thread, with values bounded at 1000 bytes so that the
// size-limit answers are cheap to reach.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

inline constexpr size_t kSmallStoreMaxValueBytes = 1000;

// Null (and a test failure recorded) when the store does not open: ASSERT_NE on the result.
inline std::unique_ptr<Store> OpenSmallStore(const TempDir& dir, const Clock& clock) {
  StoreOptions o;
  o.data_dir = dir.Sub("db");
  o.maintenance_period_seconds = 0;
  o.max_value_bytes = kSmallStoreMaxValueBytes;
  auto opened = OpenStore(o, clock);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(*opened) : nullptr;
}

}  // namespace apicached::testing
