#include "http/health_api.h"

#include "http/problem.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;

void AddHealthRoute(Router& router, StoreAdmin& store) {
  router.Add(
      Verb::get, "/v1/health",
      [&store](const RequestContext&) {
        if (Status s = store.CheckHealth(); !s.ok()) {
          return MakeProblem(503, "store unhealthy: " + s.message());
        }
        Response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, "application/json");
        res.body() = R"({"status":"healthy","store":"ok"})";
        return res;
      },
      RouteOptions{.public_route = true});
}

}  // namespace apicached::http
