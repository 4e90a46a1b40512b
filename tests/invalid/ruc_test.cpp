#include "invalid/ruc.h"

#include <gtest/gtest.h>

#include <string>

namespace apicached {
namespace {

TEST(RucTest, KnownWellFormedRucs) {
  const RucChecker checker;
  for (const char* ruc : {"20131312955", "20512333797"}) {
    const RucCheck check = checker.Check(ruc);
    EXPECT_TRUE(check.valid) << ruc << ": " << check.detail;
    EXPECT_EQ(check.reason, RucReason::kOk) << ruc;
    EXPECT_EQ(RucReasonName(check.reason), "OK");
  }
}

TEST(RucTest, CheckDigitArithmeticByHand) {
  // 2*5 + 0*4 + 1*3 + 3*2 + 1*7 + 3*6 + 1*5 + 2*4 + 9*3 + 5*2 = 94; 94 % 11 = 6; (11-6)%10 = 5.
  EXPECT_EQ(RucCheckDigit("2013131295"), 5);
  // 2*5 + 0*4 + 5*3 + 1*2 + 2*7 + 3*6 + 3*5 + 3*4 + 7*3 + 9*2 = 125; 125 % 11 = 4; 11-4 = 7.
  EXPECT_EQ(RucCheckDigit("2051233379"), 7);
}

TEST(RucTest, CheckDigitEdgeCasesOfTheModulo) {
  // sum % 11 == 1 -> (11 - 1) % 10 = 0: "2000000001" sums to 10 + 2 = 12.
  EXPECT_EQ(RucCheckDigit("2000000001"), 0);
  EXPECT_TRUE(RucChecker().Check("20000000010").valid);
  // sum % 11 == 0 -> (11 - 0) % 10 = 1: "2000000006" sums to 10 + 12 = 22.
  EXPECT_EQ(RucCheckDigit("2000000006"), 1);
  EXPECT_TRUE(RucChecker().Check("20000000061").valid);
}

TEST(RucTest, ExactlyOneLastDigitIsRight) {
  const RucChecker checker;
  int valid = 0;
  for (char last = '0'; last <= '9'; ++last) {
    if (checker.Check(std::string("2051233379") + last).valid) ++valid;
  }
  EXPECT_EQ(valid, 1);
}

TEST(RucTest, WrongCheckDigit) {
  const RucCheck check = RucChecker().Check("20512333798");
  EXPECT_FALSE(check.valid);
  EXPECT_EQ(check.reason, RucReason::kBadCheckDigit);
  EXPECT_EQ(RucReasonName(check.reason), "BAD_CHECK_DIGIT");
  EXPECT_EQ(check.detail, "check digit is 8, expected 7");
}

TEST(RucTest, WrongLength) {
  const RucChecker checker;
  for (const char* ruc : {"2051233379", "205123337970", ""}) {
    const RucCheck check = checker.Check(ruc);
    EXPECT_FALSE(check.valid) << ruc;
    EXPECT_EQ(check.reason, RucReason::kInvalidLength) << ruc;
    EXPECT_EQ(RucReasonName(check.reason), "INVALID_LENGTH");
  }
  EXPECT_EQ(checker.Check("2051233379").detail, "a RUC has 11 digits, this one has 10");
}

TEST(RucTest, NotNumeric) {
  const RucChecker checker;
  for (std::string ruc : {"2051233379A", " 20512333797", "20512-333797", "-", "２０"}) {
    const RucCheck check = checker.Check(ruc);
    EXPECT_FALSE(check.valid) << ruc;
    EXPECT_EQ(check.reason, RucReason::kNotNumeric) << ruc;
    EXPECT_EQ(RucReasonName(check.reason), "NOT_NUMERIC");
  }
  EXPECT_EQ(checker.Check(std::string("2051233379\0", 11)).reason, RucReason::kNotNumeric);
}

TEST(RucTest, UnknownPrefixIsCheckedBeforeTheCheckDigit) {
  // 30512333792 has the right check digit (sum 130, 130 % 11 = 9, 11 - 9 = 2) but prefix 30.
  ASSERT_EQ(RucCheckDigit("3051233379"), 2);
  const RucCheck check = RucChecker().Check("30512333792");
  EXPECT_FALSE(check.valid);
  EXPECT_EQ(check.reason, RucReason::kUnknownPrefix);
  EXPECT_EQ(RucReasonName(check.reason), "UNKNOWN_PREFIX");
  EXPECT_EQ(check.detail, "prefix 30 is not a known RUC prefix");
}

TEST(RucTest, EveryDefaultPrefixIsAccepted) {
  const RucChecker checker;
  for (std::string prefix : {"10", "15", "16", "17", "20"}) {
    const std::string ten = prefix + "12345678";
    const std::string ruc = ten + std::to_string(RucCheckDigit(ten));
    EXPECT_TRUE(checker.Check(ruc).valid) << ruc;
  }
}

TEST(RucTest, ConfigurablePrefixes) {
  Result<RucChecker> checker = RucChecker::Create({.prefixes = {"30"}});
  ASSERT_TRUE(checker.ok()) << checker.status().ToString();
  EXPECT_TRUE(checker->Check("30512333792").valid);
  EXPECT_EQ(checker->Check("20512333797").reason, RucReason::kUnknownPrefix);
}

TEST(RucTest, BadPrefixOptionsAreRefused) {
  for (const std::vector<std::string>& prefixes :
       {std::vector<std::string>{}, {"2"}, {"200"}, {"2a"}, {"20", ""}}) {
    Result<RucChecker> checker = RucChecker::Create({.prefixes = prefixes});
    EXPECT_EQ(checker.code(), Code::kInvalidArgument);
    EXPECT_FALSE(checker.status().message().empty());
  }
}

}  // namespace
}  // namespace apicached
