// GET /v1/health: 200 {"status":"healthy","store":"ok"} when StoreAdmin::CheckHealth() passes, 503
// problem+json ("status":"error" plus the reason in detail) otherwise. A public route (no auth).
// Kept small and separate on purpose: metrics/ replaces it with the richer, seed-shaped report.
//
// Thread safety: as Router handlers. The Store must outlive the Router.
#pragma once

#include "http/router.h"
#include "storage/store_admin.h"

namespace apicached::http {

void AddHealthRoute(Router& router, StoreAdmin& store);

}  // namespace apicached::http
