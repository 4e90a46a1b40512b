// GET /v1/ruc/{ruc} without HTTP: the RUC format check plus the RUC's record in the "ruc"
// invalid-ID list.
//
// Thread safety: Lookup may be called concurrently; the registry must outlive the service.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "invalid/invalid_registry.h"
#include "invalid/ruc.h"
#include "storage/status.h"

namespace apicached {

inline constexpr std::string_view kRucList = "ruc";
inline constexpr std::string_view kRucInvalidFormatReason = "INVALID_FORMAT";

struct RucAnswer {
  std::string ruc;
  RucCheck check;
  std::optional<InvalidRecord> invalid;  // the live record in list "ruc", if any
  bool recorded = false;                 // this lookup reported the RUC as INVALID_FORMAT
};

// {"ruc", "valid_format", "reason" (RucReasonName, null when well formed), "detail",
//  "invalid" (InvalidRecordToJson or null)}
nlohmann::json RucAnswerToJson(const RucAnswer& answer);

class RucService {
 public:
  RucService(InvalidRegistry& registry, RucChecker checker)
      : registry_(registry), checker_(std::move(checker)) {}

  // Checks the format and looks the RUC up in list "ruc". With record, a RUC that fails the
  // format check is first reported there with reason INVALID_FORMAT (the list's TTL), and the
  // answer holds the record after that report. Errors: those of InvalidRegistry::Report when
  // recording (InvalidArgument when the RUC cannot be an identifier: empty, over 256 bytes,
  // not printable ASCII or holding '/'), Unavailable from the store on lookup. Without record, a
  // RUC that cannot be an identifier simply has no record.
  Result<RucAnswer> Lookup(std::string_view ruc, bool record);

  const RucChecker& checker() const { return checker_; }

 private:
  InvalidRegistry& registry_;
  const RucChecker checker_;
};

}  // namespace apicached
