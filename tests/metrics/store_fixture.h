// A real RocksDB store in a temp dir with a FakeClock, reopenable, for the metrics/ tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

class MetricsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    StoreOptions options;
    options.data_dir = dir_.Sub("data");
    options.maintenance_period_seconds = 0;
    auto opened = OpenStore(options, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // Closes and opens the same data dir again, as a daemon restart does.
  void Reopen() {
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
    Open();
  }

  Store& store() { return *store_; }

  FakeClock clock_;
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace apicached::testing
