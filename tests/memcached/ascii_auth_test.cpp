// Replies recorded from memcached 1.6.18 started with -Y (an auth file).
#include "memcached/ascii_auth.h"

#include <gtest/gtest.h>

#include "memcached/replies.h"

namespace apicached::memcached {
namespace {

using Kind = ParseResult::Kind;

TEST(AsciiAuthTest, SetCarriesUserAndPassword) {
  const std::string in = "set a 0 0 11\r\nuser secret\r\nget a\r\n";
  auto a = ParseAuth(in, {});
  ASSERT_EQ(a.result.kind, Kind::kCommand);
  EXPECT_EQ(a.user, "user");
  EXPECT_EQ(a.password, "secret");
  EXPECT_EQ(a.result.consumed, 27u);
}

TEST(AsciiAuthTest, NoreplyAndNewlineOnlyLinesStillAuthenticate) {
  EXPECT_EQ(ParseAuth("set a 0 0 11 noreply\r\nuser secret\r\n", {}).result.kind, Kind::kCommand);
  EXPECT_EQ(ParseAuth("set a 0 0 11\nuser secret\r\n", {}).result.kind, Kind::kCommand);
}

TEST(AsciiAuthTest, AnyOtherCommandIsUnauthenticated) {
  for (std::string in : {"get a\r\n", "version\r\n", "set a b c d e f g h\r\n", "set a 0 0\r\n"}) {
    auto a = ParseAuth(in, {});
    EXPECT_EQ(a.result.kind, Kind::kReply) << in;
    EXPECT_EQ(a.result.reply, reply::kUnauthenticated) << in;
    EXPECT_EQ(a.result.consumed, in.size()) << in;
  }
}

TEST(AsciiAuthTest, MalformedPayloads) {
  auto one = ParseAuth("set a 0 0 4\r\nuser\r\n", {});
  EXPECT_EQ(one.result.reply, reply::kAuthBadFormat);
  auto term = ParseAuth("set a 0 0 4\r\nuserXX", {});
  EXPECT_EQ(term.result.reply, reply::kAuthBadTermination);
  EXPECT_EQ(term.result.consumed, 19u);
}

TEST(AsciiAuthTest, WaitsForThePayloadAndBoundsIt) {
  EXPECT_EQ(ParseAuth("set a 0 0 11\r\nuser se", {}).result.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseAuth("set a 0 0 2000000\r\n", {}).result.kind, Kind::kClose);
  EXPECT_EQ(ParseAuth(std::string(2049, 'x'), {}).result.kind, Kind::kClose);
  EXPECT_EQ(ParseAuth(std::string(2000, 'x'), {}).result.kind, Kind::kNeedMore);
}

}  // namespace
}  // namespace apicached::memcached
