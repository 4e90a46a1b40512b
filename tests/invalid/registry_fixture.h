// A test fixture: the real store in a temp dir on a FakeClock, with an InvalidRegistry and a
// RucService on it. Shared by tests/invalid and tests/http/invalid_api_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "invalid/invalid_registry.h"
#include "invalid/ruc_service.h"
#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes what is open and opens the same data directory again with these options.
  void Reopen(InvalidRegistryOptions options = {}) {
    ruc_.reset();
    registry_.reset();
    store_.reset();
    StoreOptions store_options;
    store_options.data_dir = dir_.Sub("db");
    store_options.maintenance_period_seconds = 0;
    Result<std::unique_ptr<Store>> store = OpenStore(store_options, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    Result<std::unique_ptr<InvalidRegistry>> registry =
        InvalidRegistry::Open(*store_, std::move(options));
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(*registry);
    ruc_ = std::make_unique<RucService>(*registry_, RucChecker());
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<InvalidRegistry> registry_;
  std::unique_ptr<RucService> ruc_;
};

}  // namespace apicached::testing
