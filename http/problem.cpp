#include "http/problem.h"

#include <nlohmann/json.hpp>

namespace apicached::http {

namespace bhttp = boost::beast::http;

namespace {

std::string Slug(unsigned status) {
  switch (status) {
    case 400:
      return "bad-request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not-found";
    case 405:
      return "method-not-allowed";
    case 408:
      return "request-timeout";
    case 409:
      return "conflict";
    case 411:
      return "length-required";
    case 412:
      return "precondition-failed";
    case 413:
      return "payload-too-large";
    case 414:
      return "uri-too-long";
    case 415:
      return "unsupported-media-type";
    case 431:
      return "request-header-fields-too-large";
    case 500:
      return "internal-error";
    case 501:
      return "not-implemented";
    case 503:
      return "service-unavailable";
    case 507:
      return "insufficient-storage";
    default:
      return "http-" + std::to_string(status);
  }
}

}  // namespace

unsigned HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kNotFound:
      return 404;
    case Code::kInvalidArgument:
      return 400;
    case Code::kAlreadyExists:
      return 412;
    case Code::kPreconditionFailed:
      return 412;
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kResourceExhausted:
      return 507;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

std::string ProblemBody(unsigned status, std::string_view detail) {
  nlohmann::json body = {
      {"type", "urn:apicached:problem:" + Slug(status)},
      {"title", std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(status)))},
      {"status", status},
      {"detail", std::string(detail)},
  };
  // Client input in details may hold any bytes: replace what is not UTF-8 instead of throwing.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response MakeProblem(unsigned status, std::string detail) {
  Response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, "application/problem+json");
  res.body() = ProblemBody(status, detail);
  return res;
}

Response ProblemFromStatus(const Status& status) {
  return MakeProblem(HttpStatusFor(status.code()), status.message());
}

}  // namespace apicached::http
