// The /v1/invalid and /v1/ruc routes (invalid-identifier lists and the RUC check; see
// docs/invalid-ids.md for the wire format).
//
//   PUT    /v1/invalid/{list}/{id}   body {"reason": "...", "ttl"?: seconds} (or ?ttl=)
//                                     -> 201 record (created) / 200 record (updated)
//   GET    /v1/invalid/{list}/{id}   -> 200 record / 404
//   GET    /v1/invalid/{list}?limit=&after=
//                                     -> 200 {"records": {id: record}, "next_after": id|null}
//   DELETE /v1/invalid/{list}/{id}   -> 204 / 404
//   GET    /v1/ruc/{ruc}[?record=1]  -> 200 {"ruc", "valid_format", "reason", "detail", "invalid"}
//
// Bad input (JSON, reason, list name, identifier, ttl, limit, record flag) answers 400
// problem+json; registry errors go through ProblemFromStatus().
//
// Thread safety: the handlers may run on any number of threads at once. The registry and the
// RUC service must outlive the Router.
#pragma once

#include <cstddef>

#include "http/router.h"
#include "invalid/invalid_registry.h"
#include "invalid/ruc_service.h"

namespace apicached::http {

struct InvalidApiOptions {
  size_t default_page_size = 100;  // GET /v1/invalid/{list} without limit
};

void AddInvalidRoutes(Router& router, InvalidRegistry& registry, RucService& ruc_service,
                      InvalidApiOptions options = {});

}  // namespace apicached::http
