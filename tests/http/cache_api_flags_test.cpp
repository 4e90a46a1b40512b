// The client flags over HTTP, and values crossing protocols: what the memcached front writes
// through the cache layer reads back byte for byte over HTTP with its flags, and the reverse.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cache/cache_service.h"
#include "http/cache_api.h"
#include "tests/support/temp_dir.h"

namespace apicached::http {
namespace {

namespace bhttp = boost::beast::http;
using cache::Expiry;
using cache::Protocol;

class CacheApiFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.data_dir = dir_.Sub("db");
    options_.maintenance_period_seconds = 0;
    auto opened = OpenStore(options_, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    AddCacheRoutes(router_, *cache_);
  }

  Routed Do(Verb verb, const std::string& target, std::optional<std::string> body = std::nullopt,
            std::optional<std::string> flags = std::nullopt) {
    Request req{verb, target, 11};
    if (flags) req.set("X-Apicached-Flags", *flags);
    if (body) {
      req.body() = *body;
      req.prepare_payload();
    }
    return router_.Handle(req);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  Router router_;
};

TEST_F(CacheApiFlagsTest, MemcachedWritesReadBackOverHttpWithTheirFlags) {
  const std::string bytes("\x80\x04\x95pickled\0\r\n", 12);
  ASSERT_TRUE(cache_->Set(Protocol::kMemcached, "svc", "k", bytes, 16, Expiry::Never()).ok());
  Routed get = Do(Verb::get, "/v1/cache/svc/k");
  ASSERT_EQ(get.response.result_int(), 200u);
  EXPECT_EQ(get.response.body(), bytes);
  EXPECT_EQ(get.response["X-Apicached-Flags"], "16");
  EXPECT_EQ(get.response[bhttp::field::content_type], "application/octet-stream");

  Routed mget = Do(Verb::post, "/v1/cache/svc/_mget", R"({"keys":["k"]})");
  ASSERT_EQ(mget.response.result_int(), 200u) << mget.response.body();
  EXPECT_EQ(nlohmann::json::parse(mget.response.body())["found"]["k"]["flags"], 16);
}

TEST_F(CacheApiFlagsTest, HttpWritesCarryFlagsToMemcached) {
  Routed put = Do(Verb::put, "/v1/cache/svc/k", "value", "4294967295");
  ASSERT_EQ(put.response.result_int(), 201u) << put.response.body();
  EXPECT_EQ(put.response["X-Apicached-Flags"], "4294967295");
  Routed mget = Do(Verb::post, "/v1/cache/svc/_mget", R"({"keys":["k"]})");
  EXPECT_EQ(nlohmann::json::parse(mget.response.body())["found"]["k"]["flags"], 4294967295u);
  auto item = cache_->Get(Protocol::kMemcached, "svc", "k");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->meta.flags, 4294967295u);
  EXPECT_EQ(item->value, "value");

  ASSERT_EQ(Do(Verb::put, "/v1/cache/svc/plain", "v").response.result_int(), 201u);
  EXPECT_EQ(Do(Verb::get, "/v1/cache/svc/plain").response["X-Apicached-Flags"], "0");

  Routed mset =
      Do(Verb::post, "/v1/cache/svc/_mset", R"({"entries":[{"key":"a","value":"x","flags":2}]})");
  ASSERT_EQ(mset.response.result_int(), 200u) << mset.response.body();
  EXPECT_EQ(cache_->Get(Protocol::kMemcached, "svc", "a")->meta.flags, 2u);
}

TEST_F(CacheApiFlagsTest, BadFlagsAre400AndStoreNothing) {
  for (const char* bad : {"-1", "4294967296", "0x10", "", "1x", "+1"}) {
    Routed put = Do(Verb::put, "/v1/cache/svc/k", "v", bad);
    EXPECT_EQ(put.response.result_int(), 400u) << "'" << bad << "'";
  }
  EXPECT_EQ(Do(Verb::get, "/v1/cache/svc/k").response.result_int(), 404u);
  Routed mset =
      Do(Verb::post, "/v1/cache/svc/_mset", R"({"entries":[{"key":"a","value":"x","flags":-1}]})");
  EXPECT_EQ(mset.response.result_int(), 400u);
}

TEST_F(CacheApiFlagsTest, TouchKeepsFlags) {
  ASSERT_EQ(Do(Verb::put, "/v1/cache/svc/k", "v", "7").response.result_int(), 201u);
  Routed touch = Do(Verb::post, "/v1/cache/svc/k/touch?ttl=60", "");
  ASSERT_EQ(touch.response.result_int(), 204u) << touch.response.body();
  EXPECT_EQ(touch.response["X-Apicached-Flags"], "7");
  EXPECT_EQ(touch.response[bhttp::field::cache_control], "max-age=60");
}

}  // namespace
}  // namespace apicached::http
