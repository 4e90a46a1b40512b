#include "invalid/ruc.h"

#include <algorithm>
#include <array>
#include <utility>

namespace apicached {
namespace {

constexpr size_t kRucLength = 11;
constexpr std::array<int, 10> kWeights = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), IsDigit);
}

}  // namespace

std::string_view RucReasonName(RucReason reason) {
  switch (reason) {
    case RucReason::kOk:
      return "OK";
    case RucReason::kNotNumeric:
      return "NOT_NUMERIC";
    case RucReason::kInvalidLength:
      return "INVALID_LENGTH";
    case RucReason::kUnknownPrefix:
      return "UNKNOWN_PREFIX";
    case RucReason::kBadCheckDigit:
      return "BAD_CHECK_DIGIT";
  }
  return "UNKNOWN";
}

int RucCheckDigit(std::string_view first_ten) {
  int sum = 0;
  for (size_t i = 0; i < kWeights.size(); ++i) sum += (first_ten[i] - '0') * kWeights[i];
  return (11 - sum % 11) % 10;
}

Result<RucChecker> RucChecker::Create(RucOptions options) {
  if (options.prefixes.empty()) {
    return Status::InvalidArgument("RUC prefixes: the list is empty; give at least one");
  }
  for (const std::string& prefix : options.prefixes) {
    if (prefix.size() != 2 || !AllDigits(prefix)) {
      return Status::InvalidArgument("RUC prefix '" + prefix + "' is not exactly two digits");
    }
  }
  return RucChecker(std::move(options));
}

RucChecker::RucChecker() = default;

RucCheck RucChecker::Check(std::string_view ruc) const {
  if (!AllDigits(ruc)) {
    return {false, RucReason::kNotNumeric, "a RUC holds only the digits 0-9"};
  }
  if (ruc.size() != kRucLength) {
    return {false, RucReason::kInvalidLength,
            "a RUC has 11 digits, this one has " + std::to_string(ruc.size())};
  }
  const std::string_view prefix = ruc.substr(0, 2);
  if (std::find(options_.prefixes.begin(), options_.prefixes.end(), prefix) ==
      options_.prefixes.end()) {
    return {false, RucReason::kUnknownPrefix,
            "prefix " + std::string(prefix) + " is not a known RUC prefix"};
  }
  const int expected = RucCheckDigit(ruc.substr(0, 10));
  const int actual = ruc[10] - '0';
  if (expected != actual) {
    return {false, RucReason::kBadCheckDigit,
            "check digit is " + std::to_string(actual) + ", expected " + std::to_string(expected)};
  }
  return {true, RucReason::kOk, "well formed"};
}

}  // namespace apicached
