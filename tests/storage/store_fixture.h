// A store in a temp dir on a FakeClock, reopenable, for the storage tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached::testing {

// The files of dir whose name `match` accepts.
inline size_t CountFiles(const std::string& dir,
                         const std::function<bool(const std::filesystem::path&)>& match) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += match(e.path()) ? 1 : 0;
  return n;
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() {
    options_.data_dir = dir_.Sub("db");
    options_.maintenance_period_seconds = 0;  // tests call RunMaintenance themselves
  }

  void SetUp() override { Open(); }

  void Open() {
    auto opened = OpenStore(options_, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  void Reopen() {
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
    Open();
  }

  Store& store() { return *store_; }

  TempDir dir_;
  FakeClock clock_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

}  // namespace apicached::testing
