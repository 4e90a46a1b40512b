// GET /v1/cache/{ns}/{key} with leases (docs/leases.md, docs/API.md "Leases"): the HTTP face of
// cache::CacheService::GetWithLease.
//
// Query parameters: lease=S (on a miss, ask for a lease of S seconds, decimals allowed to the
// millisecond), wait=S (when another client holds the lease, wait up to S seconds for its
// value), stale=1 (accept an entry in its grace period), refresh=S (a fresh entry with fewer than
// S seconds left gets the refresh lease for one reader). Answers carry Cache-Status (RFC 9211)
// and, for the reader who must fetch, Apicached-Lease: <token>, which a PUT sends back.
//
// A wait never blocks an I/O thread: the handler defers its answer (router.h), registers a
// waiter with the cache layer and arms an asio timer on the connection's executor; whichever
// comes first answers.
//
// Thread safety: as the other handlers. The CacheService must outlive every deferred answer.
#pragma once

#include "cache/cache_service.h"
#include "http/router.h"

namespace apicached::http {

// The request and response header carrying a lease token (decimal).
inline constexpr std::string_view kLeaseHeader = "Apicached-Lease";
// Longest wait=S a request may ask for.
inline constexpr int64_t kMaxWaitMs = 60'000;

// True when the GET names one of lease, wait, stale, refresh.
bool WantsLease(const RequestContext& ctx);

// The answer (or a deferred one) of such a GET.
Response LeaseGet(const RequestContext& ctx, cache::CacheService& cache);

// The Apicached-Lease of a PUT: nullopt when absent; InvalidArgument when not a decimal token.
Result<std::optional<uint64_t>> RequestLeaseToken(const Request& req);

}  // namespace apicached::http
