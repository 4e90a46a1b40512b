// A redis::Session over the real cache layer and store (temp dir, FakeClock), without sockets,
// with a FaultStore between the two to count the store's calls and refuse some. Databases: 0 is
// namespace "default", 1 "other"; keys "migo:..." go to namespace "migo" (the key-field rule).
// Values are limited to kSmallStoreMaxValueBytes (tests/support/small_store.h).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "cache/cache_service.h"
#include "redis/databases.h"
#include "redis/executor.h"
#include "redis/session.h"
#include "storage/store.h"
#include "tests/support/fault_store.h"
#include "tests/support/small_store.h"
#include "tests/support/temp_dir.h"

namespace apicached::redis {

class RedisSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    faults_ = std::make_unique<apicached::testing::FaultStore>(*store_);
    cache_ = std::make_unique<cache::CacheService>(*faults_, clock_);
    DatabasesOptions d;
    d.namespaces = {{0, "default"}, {1, "other"}};
    d.key_namespaces = {"migo"};
    databases_ = std::make_unique<Databases>(d);
    executor_ = std::make_unique<Executor>(*cache_, *databases_, nullptr, ExecutorOptions{});
    NewSession();
  }

  // A new connection, with the current options_.
  void NewSession() { session_ = std::make_unique<Session>(*executor_, options_); }

  // Runs `in` (every command of it is whole) and returns the replies, held or not.
  std::string Produce(std::string_view in) {
    std::string out;
    bool close = false;
    EXPECT_EQ(session_->Produce(in, out, close), in.size());
    return out;
  }

  // The value stored for key, or "<error>".
  std::string Value(std::string_view ns, std::string_view key) {
    auto e = store_->Get(ns, key);
    return e.ok() ? e->value : "<" + e.status().ToString() + ">";
  }

  apicached::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<apicached::testing::FaultStore> faults_;
  std::unique_ptr<cache::CacheService> cache_;
  std::unique_ptr<Databases> databases_;
  std::unique_ptr<Executor> executor_;
  SessionOptions options_;
  std::unique_ptr<Session> session_;
};

}  // namespace apicached::redis
