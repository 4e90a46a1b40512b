// Redis's glob matching (KEYS, SCAN MATCH) and the literal prefix SCAN seeks to.
#include "redis/glob.h"

#include <gtest/gtest.h>

namespace apicached::redis {
namespace {

TEST(GlobTest, RedisPatterns) {
  EXPECT_TRUE(GlobMatch("*", "x"));
  EXPECT_FALSE(GlobMatch("*", ""));  // as Redis's stringmatchlen (KEYS never has empty keys)
  EXPECT_TRUE(GlobMatch("migo:*", "migo:123"));
  EXPECT_FALSE(GlobMatch("migo:*", "mig:123"));
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_TRUE(GlobMatch("h\\*llo", "h*llo"));
  EXPECT_FALSE(GlobMatch("h\\*llo", "hello"));
  EXPECT_TRUE(GlobMatch("*:1:*", "site:1:migo"));
  EXPECT_TRUE(GlobMatch("[abc", "a"));  // an unterminated class as Redis reads it
  EXPECT_TRUE(GlobMatch("MAXMEM*", "maxmemory", true));
}

TEST(GlobTest, ManyStarsStayFast) {
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(200, 'a')));
}

TEST(GlobTest, LiteralPrefix) {
  EXPECT_EQ(LiteralPrefix("migo:*"), "migo:");
  EXPECT_EQ(LiteralPrefix(":1:migo:ruc_?"), ":1:migo:ruc_");
  EXPECT_EQ(LiteralPrefix("a\\*b"), "a");
  EXPECT_EQ(LiteralPrefix("*"), "");
  EXPECT_EQ(LiteralPrefix("exact"), "exact");
}

}  // namespace
}  // namespace apicached::redis
