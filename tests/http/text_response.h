// TextResponse: a 200 answer with the given body, finished for the request (version, keep-alive,
// Content-Length): the handler the Server tests route to when only the transport is under test.
#pragma once

#include <boost/beast/http/status.hpp>
#include <string>
#include <utility>

#include "http/router.h"

namespace apicached::http::testing {

inline Response TextResponse(const RequestContext& ctx, std::string body) {
  Response res{boost::beast::http::status::ok, 11};
  res.body() = std::move(body);
  Finish(ctx.request(), res);
  return res;
}

}  // namespace apicached::http::testing
