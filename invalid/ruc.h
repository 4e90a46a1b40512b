// The RUC (Registro Único de Contribuyentes, the Peruvian tax ID) format check.
//
// A RUC is well formed when it is exactly 11 ASCII digits, starts with a known two-digit prefix
// (10 natural persons, 15/16/17 other persons and entities, 20 companies, by default) and its
// last digit is the modulo-11 check digit of the first ten:
//   sum   = d0*5 + d1*4 + d2*3 + d3*2 + d4*7 + d5*6 + d6*5 + d7*4 + d8*3 + d9*2
//   check = (11 - sum % 11) % 10
// Example: 20131312955 -> sum 94, 94 % 11 = 6, (11 - 6) % 10 = 5 = last digit.
//
// A well-formed RUC may still not exist; only the upstream registry knows. This check only
// saves the calls that cannot succeed.
//
// Thread safety: pure functions over values; RucChecker is immutable after construction and
// may be shared by any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace apicached {

struct RucOptions {
  // Accepted two-digit prefixes. Each must be exactly two ASCII digits.
  std::vector<std::string> prefixes = {"10", "15", "16", "17", "20"};
};

// Why a RUC is not well formed. The names (RucReasonName) are stable machine codes that
// clients may compare against.
enum class RucReason {
  kOk,             // "OK": well formed
  kNotNumeric,     // "NOT_NUMERIC": holds a character other than 0-9 (checked first)
  kInvalidLength,  // "INVALID_LENGTH": not exactly 11 digits
  kUnknownPrefix,  // "UNKNOWN_PREFIX": the first two digits are not a known prefix
  kBadCheckDigit,  // "BAD_CHECK_DIGIT": the last digit is not the modulo-11 check digit
};

std::string_view RucReasonName(RucReason reason);

struct RucCheck {
  bool valid = false;
  RucReason reason = RucReason::kOk;
  std::string detail;  // one human sentence, e.g. "check digit is 7, expected 8"
};

// The modulo-11 check digit (0-9) of ten digits.
// REQUIRES: first_ten is exactly ten ASCII digits.
int RucCheckDigit(std::string_view first_ten);

class RucChecker {
 public:
  // InvalidArgument when a prefix is not exactly two ASCII digits or the list is empty.
  static Result<RucChecker> Create(RucOptions options);
  // The default prefixes; cannot fail.
  RucChecker();

  // Never fails: any input (empty, binary, huge) gives an answer.
  RucCheck Check(std::string_view ruc) const;

  const RucOptions& options() const { return options_; }

 private:
  explicit RucChecker(RucOptions options) : options_(std::move(options)) {}
  RucOptions options_;
};

}  // namespace apicached
