// The RESP parser without sockets. Expected errors are redis-server 7.0.15's (networking.c),
// checked side by side on loopback.
#include "redis/resp_parser.h"

#include <gtest/gtest.h>

namespace apicached::redis {
namespace {

using Kind = RespParser::Result::Kind;

// Parses every command in `in` (as one read); returns the commands and sets `tail` to the
// parser's last result.
std::vector<Argv> ParseAll(RespParser& p, std::string_view in, RespParser::Result& tail,
                           bool unauthenticated = false) {
  std::vector<Argv> out;
  Argv argv;
  while (true) {
    tail = p.Parse(in, unauthenticated, argv);
    in.remove_prefix(tail.consumed);
    if (tail.kind != Kind::kCommand) return out;
    out.push_back(argv);
  }
}

TEST(RespParserTest, MultibulkCommand) {
  RespParser p;
  RespParser::Result r;
  auto cmds = ParseAll(p, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nx!\r\n", r);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0], (Argv{"SET", "k", std::string("v\r\nx!")}));
  EXPECT_EQ(r.kind, Kind::kNeedMore);
}

TEST(RespParserTest, BinarySafeBulks) {
  RespParser p;
  RespParser::Result r;
  const std::string value("a\0b\r\n", 5);
  auto cmds = ParseAll(p, "*2\r\n$4\r\nECHO\r\n$5\r\n" + value + "\r\n", r);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0][1], value);
}

TEST(RespParserTest, PipelineOfManyCommandsInOneRead) {
  std::string in;
  for (int i = 0; i < 1000; ++i)
    in += "*2\r\n$3\r\nGET\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
          std::to_string(i) + "\r\n";
  RespParser p;
  RespParser::Result r;
  auto cmds = ParseAll(p, in, r);
  ASSERT_EQ(cmds.size(), 1000u);
  EXPECT_EQ(cmds[999], (Argv{"GET", "999"}));
  EXPECT_EQ(r.kind, Kind::kNeedMore);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(RespParserTest, CommandSplitAtEveryByteComesOutWhole) {
  const std::string in = "*2\r\n$4\r\nECHO\r\n$11\r\nhello world\r\nPING\r\n";
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    RespParser p;
    std::string buf = in.substr(0, cut);
    std::vector<Argv> cmds;
    Argv argv;
    auto drain = [&] {
      while (true) {
        auto r = p.Parse(buf, false, argv);
        buf.erase(0, r.consumed);
        ASSERT_NE(r.kind, Kind::kError);
        if (r.kind == Kind::kNeedMore) return;
        cmds.push_back(argv);
      }
    };
    drain();
    buf += in.substr(cut);
    drain();
    ASSERT_EQ(cmds.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(cmds[0], (Argv{"ECHO", "hello world"}));
    EXPECT_EQ(cmds[1], (Argv{"PING"}));
    EXPECT_TRUE(buf.empty());
  }
}

TEST(RespParserTest, InlineCommandsWithQuotes) {
  RespParser p;
  RespParser::Result r;
  auto cmds = ParseAll(p, "SET \"a b\" 'c\\'d'\r\nGET \"\\x41\\n\"\n   \r\n\r\nPING\r\n", r);
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[0], (Argv{"SET", "a b", "c'd"}));
  EXPECT_EQ(cmds[1], (Argv{"GET", "A\n"}));
  EXPECT_EQ(cmds[2], (Argv{"PING"}));
}

TEST(RespParserTest, EmptyCommandsAreSkipped) {
  RespParser p;
  RespParser::Result r;
  auto cmds = ParseAll(p, "*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n", r);
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0], (Argv{"PING"}));
}

struct ErrorCase {
  std::string input;
  std::string error;
};

TEST(RespParserTest, ProtocolErrorsAreRedisOwn) {
  const ErrorCase cases[] = {
      {"*abc\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"},
      {"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$01\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"},
      {"*1\r\nx\r\n", "ERR Protocol error: expected '$', got 'x'"},
      {"*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '"},
      {"\"unbalanced\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {"\"a\"b\r\n", "ERR Protocol error: unbalanced quotes in request"},
      {std::string(70000, 'a'), "ERR Protocol error: too big inline request"},
      {"*" + std::string(70000, '1'), "ERR Protocol error: too big mbulk count string"},
      {"*1\r\n$" + std::string(70000, '1'), "ERR Protocol error: too big bulk count string"},
  };
  for (const ErrorCase& c : cases) {
    RespParser p;
    RespParser::Result r;
    ParseAll(p, c.input, r);
    EXPECT_EQ(r.kind, Kind::kError) << c.input.substr(0, 40);
    EXPECT_EQ(r.error, c.error) << c.input.substr(0, 40);
  }
}

TEST(RespParserTest, ConfiguredBoundsUseTheSameErrors) {
  RespParserOptions o;
  o.max_bulk_bytes = 10;
  o.max_array_length = 3;
  RespParser::Result r;
  RespParser a(o);
  ParseAll(a, "*1\r\n$11\r\n", r);
  EXPECT_EQ(r.error, "ERR Protocol error: invalid bulk length");
  RespParser b(o);
  ParseAll(b, "*4\r\n", r);
  EXPECT_EQ(r.error, "ERR Protocol error: invalid multibulk length");
}

// Found by fuzz_redis_request (tests/fuzz/corpus/redis_request/inline_over_array_bound): an
// inline line within max_inline_bytes held more arguments than max_array_length, and the parser
// handed them on. Both bounds of a command now hold for inline commands too.
TEST(RespParserTest, InlineCommandsKeepTheArrayAndCommandBytesBounds) {
  RespParserOptions o;
  o.max_array_length = 3;
  o.max_command_bytes = 10;
  RespParser::Result r;
  RespParser ok(o);
  const auto three = ParseAll(ok, "a bb ccc\r\n", r);
  ASSERT_EQ(three.size(), 1u);
  EXPECT_EQ(three[0], (Argv{"a", "bb", "ccc"}));
  RespParser many(o);
  EXPECT_TRUE(ParseAll(many, "a b c d\r\n", r).empty());
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: too big inline request");
  RespParser big(o);
  EXPECT_TRUE(ParseAll(big, "abcdef ghijk\r\n", r).empty());
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.error, "");
}

// Found by fuzz_redis_request (tests/fuzz/corpus/redis_request/long_count_line_ending_in_cr): a
// count line longer than the line bound that arrived whole but for the '\n' after its '\r' was
// held while the parser waited for that byte. No such line is a number, so the error Redis gives
// once the '\n' comes is given at once; a short line still waits, as in Redis.
TEST(RespParserTest, ACountLinePastTheLineBoundIsAnsweredWithoutWaitingForItsNewline) {
  RespParserOptions o;
  o.max_inline_bytes = 32;
  const std::string junk(40, '7');
  RespParser::Result r;
  RespParser count(o);
  ParseAll(count, "*" + junk + "\r", r);
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: invalid multibulk length");
  RespParser bulk(o);
  ParseAll(bulk, "*1\r\n$" + junk + "\r", r);
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: invalid bulk length");
  RespParser not_bulk(o);
  ParseAll(not_bulk, "*1\r\n:" + junk + "\r", r);
  EXPECT_EQ(r.error, "ERR Protocol error: expected '$', got ':'");
  RespParser short_line(o);
  ParseAll(short_line, "*1\r", r);
  EXPECT_EQ(r.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseAll(short_line, "*1\r\n$1\r\nx\r\n", r).size(), 1u);  // the same bytes, and more
}

TEST(RespParserTest, CommandBytesBoundClosesWithoutAnswer) {
  RespParserOptions o;
  o.max_command_bytes = 10;
  RespParser p(o);
  RespParser::Result r;
  ParseAll(p, "*2\r\n$6\r\nabcdef\r\n$6\r\n", r);
  EXPECT_EQ(r.kind, Kind::kError);
  EXPECT_EQ(r.error, "");
}

TEST(RespParserTest, UnauthenticatedBoundsAreTighter) {
  RespParser::Result r;
  RespParser a;
  ParseAll(a, "*11\r\n", r, true);
  EXPECT_EQ(r.error, "ERR Protocol error: unauthenticated multibulk length");
  RespParser b;
  ParseAll(b, "*1\r\n$16385\r\n", r, true);
  EXPECT_EQ(r.error, "ERR Protocol error: unauthenticated bulk length");
  RespParser c;
  EXPECT_EQ(ParseAll(c, "*2\r\n$4\r\nAUTH\r\n$3\r\ntok\r\n", r, true).size(), 1u);
  // Past apicached's own array bound, before AUTH, Redis's unauthenticated error still wins.
  RespParser d;
  ParseAll(d, "*1048577\r\n", r, true);
  EXPECT_EQ(r.error, "ERR Protocol error: unauthenticated multibulk length");
}

TEST(RespParserTest, ParseInt64IsRedisString2ll) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("0", v) && v == 0);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", v) && v == INT64_MIN);
  EXPECT_TRUE(ParseInt64("9223372036854775807", v) && v == INT64_MAX);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "01", "-0", "9223372036854775808",
                          "-9223372036854775809", "1.0", "0x10"}) {
    EXPECT_FALSE(ParseInt64(bad, v)) << bad;
  }
}

}  // namespace
}  // namespace apicached::redis
