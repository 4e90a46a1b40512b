#include "invalid/ruc_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "storage/clock.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace apicached {
namespace {

class RucServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.data_dir = dir_.Sub("db");
    options.maintenance_period_seconds = 0;
    Result<std::unique_ptr<Store>> store = OpenStore(options, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    Result<std::unique_ptr<InvalidRegistry>> registry = InvalidRegistry::Open(*store_, {});
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(*registry);
    service_ = std::make_unique<RucService>(*registry_, RucChecker());
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<InvalidRegistry> registry_;
  std::unique_ptr<RucService> service_;
};

TEST_F(RucServiceTest, WellFormedAndUnknownHasNoRecord) {
  Result<RucAnswer> answer = service_->Lookup("20512333797", /*record=*/true);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->check.valid);
  EXPECT_FALSE(answer->recorded) << "a well-formed RUC is never recorded by the format check";
  EXPECT_FALSE(answer->invalid.has_value());
  EXPECT_EQ(RucAnswerToJson(*answer), nlohmann::json::parse(R"({
    "ruc": "20512333797", "valid_format": true, "reason": null, "detail": "well formed",
    "invalid": null})"));
  EXPECT_EQ(registry_->Get(kRucList, "20512333797").code(), Code::kNotFound);
}

TEST_F(RucServiceTest, BadFormatIsRecordedOnlyWhenAsked) {
  Result<RucAnswer> answer = service_->Lookup("20512333798", /*record=*/false);
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->check.valid);
  EXPECT_FALSE(answer->invalid.has_value());
  EXPECT_EQ(registry_->Get(kRucList, "20512333798").code(), Code::kNotFound);

  answer = service_->Lookup("20512333798", /*record=*/true);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->recorded);
  ASSERT_TRUE(answer->invalid.has_value());
  EXPECT_EQ(answer->invalid->reason, "INVALID_FORMAT");
  EXPECT_EQ(answer->invalid->attempts, 1u);

  answer = service_->Lookup("20512333798", /*record=*/true);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->invalid->attempts, 2u);

  answer = service_->Lookup("20512333798", /*record=*/false);
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->invalid.has_value()) << "a lookup shows the record";
  EXPECT_EQ(answer->invalid->attempts, 2u);
  const nlohmann::json j = RucAnswerToJson(*answer);
  EXPECT_EQ(j["valid_format"], false);
  EXPECT_EQ(j["reason"], "BAD_CHECK_DIGIT");
  EXPECT_EQ(j["invalid"]["reason"], "INVALID_FORMAT");
  EXPECT_EQ(j["invalid"]["attempts"], 2);
}

TEST_F(RucServiceTest, AWellFormedRucReportedUpstreamShowsItsRecord) {
  ASSERT_TRUE(registry_->Report(kRucList, "20131312955", "NOT_FOUND").ok());
  Result<RucAnswer> answer = service_->Lookup("20131312955", /*record=*/false);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->check.valid);
  ASSERT_TRUE(answer->invalid.has_value());
  EXPECT_EQ(answer->invalid->reason, "NOT_FOUND");
}

TEST_F(RucServiceTest, ARucThatCannotBeAnIdentifier) {
  Result<RucAnswer> answer = service_->Lookup("205/12333797", /*record=*/false);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->check.reason, RucReason::kNotNumeric);
  EXPECT_FALSE(answer->invalid.has_value());
  EXPECT_EQ(service_->Lookup("205/12333797", /*record=*/true).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace apicached
