#include "invalid/ruc_service.h"

#include <nlohmann/json.hpp>

namespace apicached {

nlohmann::json RucAnswerToJson(const RucAnswer& answer) {
  using nlohmann::json;
  return json{
      {"ruc", answer.ruc},
      {"valid_format", answer.check.valid},
      {"reason",
       answer.check.valid ? json(nullptr) : json(std::string(RucReasonName(answer.check.reason)))},
      {"detail", answer.check.detail},
      {"invalid",
       answer.invalid.has_value() ? InvalidRecordToJson(*answer.invalid) : json(nullptr)}};
}

Result<RucAnswer> RucService::Lookup(std::string_view ruc, bool record) {
  RucAnswer answer;
  answer.ruc = std::string(ruc);
  answer.check = checker_.Check(ruc);
  if (record && !answer.check.valid) {
    Result<InvalidReport> report = registry_.Report(kRucList, ruc, kRucInvalidFormatReason);
    if (!report.ok()) return report.status();
    answer.invalid = std::move(report->record);
    answer.recorded = true;
    return answer;
  }
  if (!ValidateInvalidId(ruc).ok()) return answer;
  Result<InvalidRecord> found = registry_.Get(kRucList, ruc);
  if (found.ok()) {
    answer.invalid = std::move(*found);
  } else if (found.code() != Code::kNotFound) {
    return found.status();
  }
  return answer;
}

}  // namespace apicached
