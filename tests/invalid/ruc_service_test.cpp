#include "invalid/ruc_service.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/invalid/registry_fixture.h"

namespace apicached {
namespace {

using RucServiceTest = testing::RegistryFixture;

TEST_F(RucServiceTest, WellFormedAndUnknownHasNoRecord) {
  Result<RucAnswer> answer = ruc_->Lookup("20512333797", /*record=*/true);
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
  Result<RucAnswer> answer = ruc_->Lookup("20512333798", /*record=*/false);
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->check.valid);
  EXPECT_FALSE(answer->invalid.has_value());
  EXPECT_EQ(registry_->Get(kRucList, "20512333798").code(), Code::kNotFound);

  answer = ruc_->Lookup("20512333798", /*record=*/true);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->recorded);
  ASSERT_TRUE(answer->invalid.has_value());
  EXPECT_EQ(answer->invalid->reason, "INVALID_FORMAT");
  EXPECT_EQ(answer->invalid->attempts, 1u);

  answer = ruc_->Lookup("20512333798", /*record=*/true);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->invalid->attempts, 2u);

  answer = ruc_->Lookup("20512333798", /*record=*/false);
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
  Result<RucAnswer> answer = ruc_->Lookup("20131312955", /*record=*/false);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->check.valid);
  ASSERT_TRUE(answer->invalid.has_value());
  EXPECT_EQ(answer->invalid->reason, "NOT_FOUND");
}

TEST_F(RucServiceTest, ARucThatCannotBeAnIdentifier) {
  Result<RucAnswer> answer = ruc_->Lookup("205/12333797", /*record=*/false);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->check.reason, RucReason::kNotNumeric);
  EXPECT_FALSE(answer->invalid.has_value());
  EXPECT_EQ(ruc_->Lookup("205/12333797", /*record=*/true).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace apicached
