// The split of RLIMIT_NOFILE between the process, the store and the connections.
#include "daemon/fd_budget.h"

#include <gtest/gtest.h>

namespace apicached {
namespace {

TEST(FdBudgetTest, DerivedSplitFitsTheLimit) {
  for (uint64_t nofile : {160ull, 1024ull, 4096ull, 65536ull, 1048576ull}) {
    SCOPED_TRACE(nofile);
    auto b = ComputeFdBudget(nofile, {});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_LE(b->reserve + b->store_fixed + b->store_max_open_files + b->max_connections, nofile);
    EXPECT_GE(b->store_max_open_files, kMinStoreOpenFiles);
    EXPECT_LE(b->store_max_open_files, kMaxDerivedStoreOpenFiles);
    EXPECT_GE(b->max_connections, 1u);
    EXPECT_LE(b->max_connections, kMaxDerivedConnections);
  }
  // The case: ulimit -n 1024. The store keeps a quarter; clients get the rest.
  auto b = ComputeFdBudget(1024, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->store_max_open_files, (1024u - 64 - kStoreFixedFds) / 4);
  EXPECT_EQ(b->max_connections, 1024u - 64 - kStoreFixedFds - b->store_max_open_files);
  // Each namespace the store may create holds a directory descriptor: they come off the top.
  auto with_ns = ComputeFdBudget(1024, {.reserve = 64, .namespaces = 328});
  ASSERT_TRUE(with_ns.ok());
  EXPECT_EQ(with_ns->store_fixed, kStoreFixedFds + 328);
  EXPECT_EQ(with_ns->store_max_open_files, (1024u - 64 - kStoreFixedFds - 328) / 4);
  EXPECT_EQ(with_ns->max_connections,
            1024u - 64 - kStoreFixedFds - 328 - with_ns->store_max_open_files);
  EXPECT_FALSE(ComputeFdBudget(400, {.reserve = 64, .namespaces = 328}).ok());
  // The unit's LimitNOFILE=65536.
  b = ComputeFdBudget(65536, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->store_max_open_files, kMaxDerivedStoreOpenFiles);
  EXPECT_EQ(b->max_connections, kMaxDerivedConnections);
}

TEST(FdBudgetTest, ExplicitValuesAreKeptOrRefusedWhenTheyDoNotFit) {
  auto b = ComputeFdBudget(
      1024, {.reserve = 64, .namespaces = 0, .max_connections = 500, .store_max_open_files = 300});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->max_connections, 500u);
  EXPECT_EQ(b->store_max_open_files, 300u);

  b = ComputeFdBudget(
      1024, {.reserve = 64, .namespaces = 0, .max_connections = 1024, .store_max_open_files = 0});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.code(), Code::kInvalidArgument);
  EXPECT_NE(b.status().message().find("max-connections 1024"), std::string::npos)
      << b.status().message();
  EXPECT_NE(b.status().message().find("RLIMIT_NOFILE) is 1024"), std::string::npos);

  EXPECT_FALSE(ComputeFdBudget(1024, {.reserve = 64, .store_max_open_files = 1000}).ok());
  EXPECT_FALSE(ComputeFdBudget(100, {}).ok());  // nothing left after the reserve
}

TEST(FdBudgetTest, RaisingKeepsTheHardLimit) {
  auto before = CurrentNofileLimit();
  ASSERT_TRUE(before.ok());
  auto raised = RaiseNofileLimit();
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  EXPECT_EQ(raised->soft, raised->hard);
  EXPECT_EQ(raised->hard, before->hard);
  EXPECT_EQ(raised->soft_before, before->soft);
  auto now = CurrentNofileLimit();
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->soft, raised->hard);
}

}  // namespace
}  // namespace apicached
