// Fuzz target: the JSON bodies of the batch routes. The first input byte picks _mget, _mset or
// _mdelete; the rest is the body of a POST to /v1/cache/fuzz/<route>, handled by the daemon's
// Router on a real store.
//
// Properties: nothing crashes; the answer is 200, 400, 411 or 413 (never 500); its body is valid
// JSON; and after a 200 _mset every stored key reads back through _mget.
#include <boost/beast/http/field.hpp>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/router_fixture.h"

namespace bhttp = boost::beast::http;
using apicached::http::Request;

namespace {

apicached::http::Response Post(const char* route, std::string body) {
  Request req(bhttp::verb::post, std::string("/v1/cache/fuzz/") + route, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  req.set(bhttp::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  return apicached::fuzz::RouterFixture::Get().router().Handle(req).response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* const kRoutes[] = {"_mget", "_mset", "_mdelete"};
  const char* route = kRoutes[data[0] % 3];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto res = Post(route, body);
  const unsigned status = res.result_int();
  FUZZ_CHECK(status == 200 || status == 400 || status == 411 || status == 413);
  FUZZ_CHECK(nlohmann::json::accept(res.body()));
  if (status != 200 || route != kRoutes[1]) return 0;

  // A stored batch reads back: every key of the accepted _mset body is found by _mget.
  const auto sent = nlohmann::json::parse(body);
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& e : sent.at("entries")) {
    const auto ttl = e.find("ttl");
    if (ttl != e.end() && !ttl->is_null() && ttl->get<int64_t>() == 1) continue;  // may expire
    keys.push_back(e.at("key"));
  }
  if (keys.empty()) return 0;
  const auto got = Post("_mget", nlohmann::json{{"keys", keys}}.dump());
  FUZZ_CHECK(got.result_int() == 200);
  const auto answer = nlohmann::json::parse(got.body());
  FUZZ_CHECK(answer.at("missing").empty());
  return 0;
}
