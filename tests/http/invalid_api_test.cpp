#include "http/invalid_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/invalid/registry_fixture.h"

namespace apicached::http {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

class InvalidApiTest : public testing::RegistryFixture {
 protected:
  void SetUp() override {
    InvalidRegistryOptions options;
    options.list_ttl_seconds = {{"ruc", 604800}, {"short", 100}};
    Reopen(options);
    AddInvalidRoutes(router_, *registry_, *ruc_);
  }

  Response Call(Verb verb, const std::string& target, std::string body = "") {
    Request req{verb, target, 11};
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.prepare_payload();
    return router_.Handle(req).response;
  }

  static json Body(const Response& res) { return json::parse(res.body()); }

  // A 400 problem+json whose detail mentions `words`.
  static void ExpectBadRequest(const Response& res, const std::string& words) {
    EXPECT_EQ(res.result_int(), 400u) << res.body();
    EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
    EXPECT_NE(Body(res)["detail"].get<std::string>().find(words), std::string::npos) << res.body();
  }

  Router router_;
};

TEST_F(InvalidApiTest, PutCreatesThenUpdates) {
  const int64_t t0 = clock_.NowMillis();
  Response res = Call(Verb::put, "/v1/invalid/ruc/20999999999", R"({"reason": "NOT_FOUND"})");
  ASSERT_EQ(res.result_int(), 201u) << res.body();
  EXPECT_EQ(res[bhttp::field::content_type], "application/json");
  EXPECT_EQ(Body(res), json::parse(R"({"reason": "NOT_FOUND",
      "first_seen": "2026-01-01T00:00:00.000Z", "last_seen": "2026-01-01T00:00:00.000Z",
      "attempts": 1, "expires_at": "2026-01-08T00:00:00.000Z"})"));

  clock_.Set(t0 + 60'000);
  res = Call(Verb::put, "/v1/invalid/ruc/20999999999", R"({"reason": "GONE", "ttl": 10})");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  const json j = Body(res);
  EXPECT_EQ(j["attempts"], 2);
  EXPECT_EQ(j["reason"], "GONE");
  EXPECT_EQ(j["first_seen"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(j["last_seen"], "2026-01-01T00:01:00.000Z");
  EXPECT_EQ(j["expires_at"], "2026-01-01T00:01:10.000Z");

  res = Call(Verb::get, "/v1/invalid/ruc/20999999999");
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(Body(res), j);
  clock_.Set(t0 + 70'000);
  res = Call(Verb::get, "/v1/invalid/ruc/20999999999");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
}

TEST_F(InvalidApiTest, TtlFromTheQueryAndTheListDefault) {
  Response res = Call(Verb::put, "/v1/invalid/short/a?ttl=0", R"({"reason": "r"})");
  ASSERT_EQ(res.result_int(), 201u) << res.body();
  EXPECT_TRUE(Body(res)["expires_at"].is_null());
  res = Call(Verb::put, "/v1/invalid/short/b", R"({"reason": "r"})");
  EXPECT_EQ(Body(res)["expires_at"], "2026-01-01T00:01:40.000Z");
}

TEST_F(InvalidApiTest, BadPutsAre400) {
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", "{not json"), "not valid JSON");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", ""), "not valid JSON");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", "[]"), "JSON object");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", "{}"), "lacks \"reason\"");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": 5})"), "\"reason\"");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": ""})"), "reason");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": "r", "ttl": -1})"),
                   "\"ttl\"");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": "r", "ttl": 1.5})"),
                   "\"ttl\"");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": "r", "ttl": "9"})"),
                   "\"ttl\"");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": "r", "tll": 9})"),
                   "unknown field");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a", R"({"reason": {"x": [1]}})"), "deep");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a?ttl=abc", R"({"reason": "r"})"), "ttl");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a?ttl=5", R"({"reason": "r", "ttl": 5})"),
                   "both");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a?ttl=99999999999", R"({"reason": "r"})"),
                   "ttl");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/Bad/a", R"({"reason": "r"})"), "list name");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/.invalid/a", R"({"reason": "r"})"), "list name");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a%2Fb", R"({"reason": "r"})"), "identifier");
  ExpectBadRequest(Call(Verb::put, "/v1/invalid/ruc/a%20b", R"({"reason": "r"})"), "identifier");
  EXPECT_EQ(Call(Verb::get, "/v1/invalid/ruc/a").result_int(), 404u) << "nothing was written";
}

TEST_F(InvalidApiTest, ListPaginates) {
  for (const char* id : {"a", "b", "c", "d", "e"}) {
    ASSERT_EQ(
        Call(Verb::put, std::string("/v1/invalid/acct/") + id, R"({"reason": "r"})").result_int(),
        201u);
  }
  Response res = Call(Verb::get, "/v1/invalid/acct?limit=2");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  json j = Body(res);
  EXPECT_EQ(j["records"].size(), 2u);
  EXPECT_TRUE(j["records"].contains("a"));
  EXPECT_TRUE(j["records"].contains("b"));
  EXPECT_EQ(j["records"]["a"]["attempts"], 1);
  ASSERT_EQ(j["next_after"], "b");

  res = Call(Verb::get, "/v1/invalid/acct?limit=2&after=b");
  j = Body(res);
  EXPECT_EQ(j["records"].size(), 2u);
  EXPECT_TRUE(j["records"].contains("c"));
  res = Call(Verb::get, "/v1/invalid/acct?limit=2&after=" + j["next_after"].get<std::string>());
  j = Body(res);
  EXPECT_EQ(j["records"].size(), 1u);
  EXPECT_TRUE(j["records"].contains("e"));
  EXPECT_TRUE(j["next_after"].is_null());

  res = Call(Verb::get, "/v1/invalid/acct");
  EXPECT_EQ(Body(res)["records"].size(), 5u);
  res = Call(Verb::get, "/v1/invalid/nothing");
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(Body(res), json::parse(R"({"records": {}, "next_after": null})"));

  ExpectBadRequest(Call(Verb::get, "/v1/invalid/acct?limit=0"), "limit");
  ExpectBadRequest(Call(Verb::get, "/v1/invalid/acct?limit=100000"), "limit");
  ExpectBadRequest(Call(Verb::get, "/v1/invalid/acct?limit=x"), "limit");
  ExpectBadRequest(Call(Verb::get, "/v1/invalid/BAD"), "list name");
}

TEST_F(InvalidApiTest, DeleteRemovesOne) {
  ASSERT_EQ(Call(Verb::put, "/v1/invalid/acct/a", R"({"reason": "r"})").result_int(), 201u);
  Response res = Call(Verb::delete_, "/v1/invalid/acct/a");
  EXPECT_EQ(res.result_int(), 204u);
  EXPECT_TRUE(res.body().empty());
  res = Call(Verb::delete_, "/v1/invalid/acct/a");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res[bhttp::field::content_type], "application/problem+json");
  EXPECT_EQ(Call(Verb::get, "/v1/invalid/acct/a").result_int(), 404u);
}

TEST_F(InvalidApiTest, RucRoute) {
  Response res = Call(Verb::get, "/v1/ruc/20131312955");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(Body(res), json::parse(R"({"ruc": "20131312955", "valid_format": true,
      "reason": null, "detail": "well formed", "invalid": null})"));

  res = Call(Verb::get, "/v1/ruc/2051233379");
  json j = Body(res);
  EXPECT_EQ(j["valid_format"], false);
  EXPECT_EQ(j["reason"], "INVALID_LENGTH");
  EXPECT_TRUE(j["invalid"].is_null()) << "not recorded without ?record";

  res = Call(Verb::get, "/v1/ruc/20512333798?record=1");
  j = Body(res);
  EXPECT_EQ(j["reason"], "BAD_CHECK_DIGIT");
  EXPECT_EQ(j["invalid"]["reason"], "INVALID_FORMAT");
  EXPECT_EQ(j["invalid"]["attempts"], 1);
  res = Call(Verb::get, "/v1/ruc/20512333798?record=true");
  EXPECT_EQ(Body(res)["invalid"]["attempts"], 2);
  res = Call(Verb::get, "/v1/invalid/ruc/20512333798");
  EXPECT_EQ(res.result_int(), 200u) << "the record is in list ruc";

  ExpectBadRequest(Call(Verb::get, "/v1/ruc/20512333798?record=maybe"), "record");
  res = Call(Verb::get, "/v1/ruc/%FF%FE");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(Body(res)["reason"], "NOT_NUMERIC");
}

}  // namespace
}  // namespace apicached::http
