// The Router alone: matching, decoding, 404/405/400, HEAD, pre-check and route labels.
#include "http/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/text_codec.h"

namespace apicached::http {
namespace {

namespace bhttp = boost::beast::http;

Response Text(std::string body) {
  Response res{bhttp::status::ok, 11};
  res.set(bhttp::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

Request Req(Verb verb, std::string target) {
  return Request{verb, target, 11};
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add(Verb::get, "/v1/cache/{ns}/{key}", [](const RequestContext& c) {
      return Text("get " + c.Param("ns") + "|" + c.Param("key"));
    });
    router_.Add(Verb::put, "/v1/cache/{ns}/{key}",
                [](const RequestContext&) { return Text("put"); });
    router_.Add(
        Verb::post, "/v1/cache/{ns}/_mget", [](const RequestContext&) { return Text("mget"); },
        RouteOptions{.reads_only = true});
    router_.Add(Verb::post, "/v1/cache/{ns}/_mset",
                [](const RequestContext&) { return Text("mset"); });
    router_.Add(Verb::get, "/v1/query", [](const RequestContext& c) {
      std::string out;
      for (const auto& [k, v] : c.query()) out += k + "=" + v + ";";
      return Text(out);
    });
    router_.Add(Verb::get, "/v1/throw",
                [](const RequestContext&) -> Response { throw std::runtime_error("boom"); });
    router_.Add(
        Verb::get, "/v1/health", [](const RequestContext&) { return Text("ok"); },
        RouteOptions{.public_route = true});
  }

  Router router_;
};

TEST_F(RouterTest, MatchesAndDecodesEachSegmentAlone) {
  Routed r = router_.Handle(Req(Verb::get, "/v1/cache/ns/a%2Fb%00c%C3%A9"));
  EXPECT_EQ(r.response.result_int(), 200);
  EXPECT_EQ(r.response.body(), std::string("get ns|a/b\0c\xC3\xA9", 14));
  EXPECT_EQ(r.route, "/v1/cache/{ns}/{key}");
  EXPECT_EQ(r.response[bhttp::field::content_length], "14");
}

TEST_F(RouterTest, PlusInPathIsLiteralButSpaceInQuery) {
  EXPECT_EQ(router_.Handle(Req(Verb::get, "/v1/cache/ns/a+b")).response.body(), "get ns|a+b");
  EXPECT_EQ(router_.Handle(Req(Verb::get, "/v1/query?a=x+y&b=%2B&c&=v&&d=")).response.body(),
            "a=x y;b=+;c=;=v;d=;");
}

TEST_F(RouterTest, BadPercentEncodingIs400) {
  for (const char* target : {"/v1/cache/ns/a%2", "/v1/cache/ns/a%zz", "/v1/cache/ns/%"}) {
    Routed r = router_.Handle(Req(Verb::get, target));
    EXPECT_EQ(r.response.result_int(), 400) << target;
    EXPECT_EQ(r.route, kUnmatchedRoute);
    EXPECT_EQ(r.response[bhttp::field::content_type], "application/problem+json");
  }
  EXPECT_EQ(router_.Handle(Req(Verb::get, "/v1/query?a=%G1")).response.result_int(), 400);
}

TEST_F(RouterTest, TargetMustBeAbsolutePath) {
  EXPECT_EQ(router_.Handle(Req(Verb::get, "v1/health")).response.result_int(), 400);
  EXPECT_EQ(router_.Handle(Req(Verb::get, "*")).response.result_int(), 400);
}

TEST_F(RouterTest, NoRouteIs404ProblemJson) {
  for (const char* target : {"/", "/v1", "/v1/cache/ns", "/v1/cache/ns/k/extra/more", "/x"}) {
    Routed r = router_.Handle(Req(Verb::get, target));
    EXPECT_EQ(r.response.result_int(), 404) << target;
    EXPECT_EQ(r.route, kUnmatchedRoute);
    auto body = nlohmann::json::parse(r.response.body());
    EXPECT_EQ(body["status"], 404);
    EXPECT_EQ(body["type"], "urn:apicached:problem:not-found");
    EXPECT_EQ(body["title"], "Not Found");
    EXPECT_TRUE(body["detail"].is_string());
  }
}

TEST_F(RouterTest, ErrorDetailsQuoteOnlyAnExcerptOfTheInput) {
  for (const std::string& target :
       {"/x/" + std::string(3000, 'a'), "/v1/cache/ns/%zz" + std::string(3000, 'b')}) {
    auto body = nlohmann::json::parse(router_.Handle(Req(Verb::get, target)).response.body());
    EXPECT_LT(body["detail"].get<std::string>().size(), 200u);
  }
}

TEST_F(RouterTest, WrongVerbIs405WithAllow) {
  Routed r = router_.Handle(Req(Verb::patch, "/v1/cache/ns/k"));
  EXPECT_EQ(r.response.result_int(), 405);
  EXPECT_EQ(r.response[bhttp::field::allow], "GET, HEAD, PUT");
  EXPECT_EQ(r.route, "/v1/cache/{ns}/{key}");
}

TEST_F(RouterTest, LiteralSegmentWinsOnlyForItsVerbs) {
  EXPECT_EQ(router_.Handle(Req(Verb::post, "/v1/cache/ns/_mget")).response.body(), "mget");
  Routed get = router_.Handle(Req(Verb::get, "/v1/cache/ns/_mget"));
  EXPECT_EQ(get.response.body(), "get ns|_mget");
  EXPECT_EQ(get.route, "/v1/cache/{ns}/{key}");
  Routed del = router_.Handle(Req(Verb::delete_, "/v1/cache/ns/_mget"));
  EXPECT_EQ(del.response.result_int(), 405);
  EXPECT_EQ(del.response[bhttp::field::allow], "POST, GET, HEAD, PUT");
  EXPECT_EQ(del.route, "/v1/cache/{ns}/_mget");
}

// RunsOnIoThread answers for the route Handle() would pick.
TEST_F(RouterTest, RunsOnIoThreadFollowsTheRouteHandlePicks) {
  EXPECT_TRUE(router_.RunsOnIoThread(Req(Verb::get, "/v1/cache/ns/k")));
  EXPECT_TRUE(router_.RunsOnIoThread(Req(Verb::head, "/v1/nowhere")));
  EXPECT_TRUE(router_.RunsOnIoThread(Req(Verb::post, "/v1/cache/ns/_mget")));
  EXPECT_TRUE(router_.RunsOnIoThread(Req(Verb::post, "/v1/cache/n%73/_mget?x=1")));
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::post, "/v1/cache/ns/_mset")));
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::put, "/v1/cache/ns/_mget")));  // the {key} route
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::delete_, "/v1/cache/ns/_mget")));  // a 405
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::post, "/v1/cache/ns/_mget/x")));   // a 404
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::post, "/v1/cache/%zz/_mget")));    // a 400
  EXPECT_FALSE(router_.RunsOnIoThread(Req(Verb::post, "nopath")));
}

// A route's quick_write_if decides for its writes, seeing the decoded parameters and query; a
// request it would not be handed (a bad query: Handle() answers 400) is not put to it.
TEST(RouterQuickWriteTest, QuickWriteIfDecidesWithTheDecodedRequest) {
  Router router;
  std::vector<std::string> asked;
  router.Add(
      Verb::put, "/v1/cache/{ns}/{key}", [](const RequestContext&) { return Text("put"); },
      RouteOptions{.quick_write_if = [&](const RequestContext& c) {
        asked.push_back(c.Param("ns") + "|" + c.Param("key") + "|" +
                        std::string(c.Query("ttl").value_or("-")) + "|" + std::string(c.route()));
        return c.Param("ns") == "known";
      }});
  router.Add(Verb::delete_, "/v1/cache/{ns}/{key}",
             [](const RequestContext&) { return Text("delete"); });
  EXPECT_TRUE(router.RunsOnIoThread(Req(Verb::put, "/v1/cache/kn%6Fwn/a%2Fb?ttl=5")));
  EXPECT_FALSE(router.RunsOnIoThread(Req(Verb::put, "/v1/cache/other/k")));
  EXPECT_FALSE(router.RunsOnIoThread(Req(Verb::put, "/v1/cache/known/k?ttl=%zz")));  // a 400
  EXPECT_FALSE(router.RunsOnIoThread(Req(Verb::delete_, "/v1/cache/known/k")));      // no predicate
  EXPECT_EQ(asked, (std::vector<std::string>{"known|a/b|5|/v1/cache/{ns}/{key}",
                                             "other|k|-|/v1/cache/{ns}/{key}"}));
}

TEST_F(RouterTest, HeadUsesGetWithoutBody) {
  Routed r = router_.Handle(Req(Verb::head, "/v1/cache/ns/key"));
  EXPECT_EQ(r.response.result_int(), 200);
  EXPECT_TRUE(r.response.body().empty());
  EXPECT_EQ(r.response[bhttp::field::content_length],
            std::to_string(std::string("get ns|key").size()));
  EXPECT_EQ(r.route, "/v1/cache/{ns}/{key}");
}

TEST_F(RouterTest, ThrowingHandlerIs500) {
  Routed r = router_.Handle(Req(Verb::get, "/v1/throw"));
  EXPECT_EQ(r.response.result_int(), 500);
  EXPECT_EQ(r.route, "/v1/throw");
}

TEST_F(RouterTest, PreCheckRunsBeforeHandlerAndSeesPublicFlag) {
  router_.SetPreCheck(
      [](const RequestContext& c, const RouteOptions& o) -> std::optional<Response> {
        if (o.public_route || c.request()[bhttp::field::authorization] == "Bearer t")
          return std::nullopt;
        Response res{bhttp::status::unauthorized, 11};
        res.body() = "no";
        return res;
      });
  EXPECT_EQ(router_.Handle(Req(Verb::get, "/v1/cache/ns/k")).response.result_int(), 401);
  EXPECT_EQ(router_.Handle(Req(Verb::get, "/v1/health")).response.result_int(), 200);
  Request authed = Req(Verb::get, "/v1/cache/ns/k");
  authed.set(bhttp::field::authorization, "Bearer t");
  EXPECT_EQ(router_.Handle(authed).response.result_int(), 200);
}

TEST_F(RouterTest, KeepsVersionAndKeepAlive) {
  Request req = Req(Verb::get, "/v1/health");
  req.version(10);
  Routed r = router_.Handle(req);
  EXPECT_EQ(r.response.version(), 10);
  EXPECT_FALSE(r.response.keep_alive());
  Request req11 = Req(Verb::get, "/v1/health");
  req11.keep_alive(false);
  EXPECT_FALSE(router_.Handle(req11).response.keep_alive());
}

TEST(RouterSetupTest, RefusesBadPatternsAndDuplicates) {
  Router router;
  auto h = [](const RequestContext&) { return Response{}; };
  EXPECT_THROW(router.Add(Verb::get, "v1", h), std::invalid_argument);
  EXPECT_THROW(router.Add(Verb::get, "/a/{x}/{x}", h), std::invalid_argument);
  router.Add(Verb::get, "/a", h);
  EXPECT_THROW(router.Add(Verb::get, "/a", h), std::invalid_argument);
  EXPECT_EQ(router.Patterns(), std::vector<std::string>{"/a"});
}

TEST(PercentTest, EncodeDecodeRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded = PercentEncode(all);
  EXPECT_EQ(encoded.find('/'), std::string::npos);
  EXPECT_EQ(PercentDecode(encoded, false), all);
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%4a%4A", false), "JJ");
}

}  // namespace
}  // namespace apicached::http
