// The expected replies were recorded from memcached 1.6.18 on this machine (raw bytes over a
// socket); see docs/memcached.md.
#include "memcached/parser.h"

#include <gtest/gtest.h>

#include "memcached/replies.h"
#include "tests/memcached/parse_helpers.h"

namespace apicached::memcached {
namespace {

using testing::ParseText;
using Kind = ParseResult::Kind;

void ExpectReply(std::string input, std::string_view reply) {
  auto p = ParseText(input);
  EXPECT_EQ(p.result.kind, Kind::kReply) << input;
  EXPECT_EQ(p.result.reply, reply) << input;
  EXPECT_EQ(p.result.consumed, input.size()) << input;
  EXPECT_EQ(p.result.swallow, 0u) << input;
}

TEST(ParserTest, GetWithManyKeys) {
  auto p = ParseText("get a  b c\r\nget d\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kGet);
  EXPECT_EQ(p.result.consumed, 12u);  // the first line only
  ASSERT_EQ(p.request.keys.size(), 3u);
  EXPECT_EQ(p.request.keys[0], "a");
  EXPECT_EQ(p.request.keys[2], "c");
}

TEST(ParserTest, GetsAcceptsALineEndingInNewlineOnly) {
  auto p = ParseText("gets a\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kGets);
  EXPECT_EQ(p.request.keys.at(0), "a");
}

TEST(ParserTest, GetReadsKeysPastMemcachedsTokenLimit) {
  std::string line = "get";
  for (int i = 0; i < 100; ++i) line += " k" + std::to_string(i);
  auto p = ParseText(line + "\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  ASSERT_EQ(p.request.keys.size(), 100u);
  EXPECT_EQ(p.request.keys[99], "k99");
}

TEST(ParserTest, KeyLengthLimitIs250Bytes) {
  auto ok = ParseText("get " + std::string(250, 'k') + "\r\n");
  EXPECT_EQ(ok.result.kind, Kind::kCommand);
  ExpectReply("get " + std::string(251, 'k') + "\r\n", reply::kBadFormat);
  // One bad key fails the whole multi-get, as in memcached.
  ExpectReply("get a " + std::string(251, 'k') + " a\r\n", reply::kBadFormat);
}

TEST(ParserTest, KeysMayHoldControlBytesAsInMemcached) {
  auto p = ParseText("get a\x01z t\tab a\x7f\rz\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  ASSERT_EQ(p.request.keys.size(), 3u);
  EXPECT_EQ(p.request.keys[0], "a\x01z");
  EXPECT_EQ(p.request.keys[1], "t\tab");
  EXPECT_EQ(p.request.keys[2], "a\x7f\rz");
}

TEST(ParserTest, ALineEndsAtANulByteAsInMemcached) {
  auto p = ParseText(std::string("get a\0b\r\n", 9));
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.keys.at(0), "a");
  EXPECT_EQ(p.result.consumed, 9u);
}

TEST(ParserTest, UnknownAndMalformedCommandsAreError) {
  ExpectReply("bogus\r\n", reply::kError);
  ExpectReply("\r\n", reply::kError);
  ExpectReply("x\r\n", reply::kError);
  ExpectReply("GET a\r\n", reply::kError);
  ExpectReply("get\r\n", reply::kError);
  ExpectReply("get\ta\r\n", reply::kError);  // a tab does not separate tokens
  ExpectReply("mx a\r\n", reply::kError);
}

TEST(ParserTest, AnHttpRequestClosesTheConnection) {
  auto p = ParseText("GET / HTTP/1.1\r\n");
  EXPECT_EQ(p.result.kind, Kind::kClose);
  EXPECT_TRUE(p.result.reply.empty());
}

TEST(ParserTest, SetWithDataBlock) {
  auto p = ParseText("set k 5 100 3\r\nabc\r\nget k\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kSet);
  EXPECT_EQ(p.request.mode, StoreMode::kSet);
  EXPECT_EQ(p.request.key, "k");
  EXPECT_EQ(p.request.client_flags, 5u);
  EXPECT_EQ(p.request.exptime, 100);
  EXPECT_EQ(p.request.data, "abc");
  EXPECT_FALSE(p.request.noreply);
  EXPECT_EQ(p.result.consumed, 20u);
}

TEST(ParserTest, SetDataMayHoldAnyBytes) {
  auto p = ParseText(std::string("set k 0 0 4\r\n\r\n\0\n\r\n", 19));
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.data, std::string_view("\r\n\0\n", 4));
}

TEST(ParserTest, SetWaitsForTheWholeBlock) {
  EXPECT_EQ(ParseText("set k 0 0 3\r\nab").result.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseText("set k 0 0 3\r\nabc\r").result.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseText("set k 0 0 3").result.kind, Kind::kNeedMore);
}

TEST(ParserTest, SetNoreplyAndIgnoredExtraToken) {
  auto p = ParseText("set k 0 0 1 noreply\r\nx\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_TRUE(p.request.noreply);
  auto q = ParseText("set k 0 0 1 whatever\r\nx\r\n");  // memcached ignores it too
  ASSERT_EQ(q.result.kind, Kind::kCommand);
  EXPECT_FALSE(q.request.noreply);
}

TEST(ParserTest, BadDataChunkConsumesTheDeclaredBytes) {
  // memcached reads 3+2 bytes ("abcde"), answers bad data chunk, then reads "\r\n" as a line.
  auto p = ParseText("set a 0 0 3\r\nabcde\r\n");
  EXPECT_EQ(p.result.kind, Kind::kReply);
  EXPECT_EQ(p.result.reply, reply::kBadDataChunk);
  EXPECT_EQ(p.result.consumed, 18u);
  auto quiet = ParseText("set a 0 0 3 noreply\r\nabcde\r\n");
  EXPECT_EQ(quiet.result.kind, Kind::kReply);
  EXPECT_TRUE(quiet.result.reply.empty());
}

TEST(ParserTest, BadStorageLineLeavesTheBlockToBeReadAsALine) {
  for (std::string line : {"set a x 0 3", "set a 0 x 3", "set a 0 0 x", "set a 0 0 -1",
                           "set a -1 0 1", "cas c 0 0 1 x", "cas c 0 0 1 -1"}) {
    auto p = ParseText(line + "\r\nabc\r\n");
    EXPECT_EQ(p.result.kind, Kind::kReply) << line;
    EXPECT_EQ(p.result.reply, reply::kBadFormat) << line;
    EXPECT_EQ(p.result.consumed, line.size() + 2) << line;
    EXPECT_EQ(p.result.swallow, 0u) << line;
  }
  auto long_key = ParseText("set " + std::string(251, 'k') + " 0 0 3 noreply\r\nabc\r\n");
  EXPECT_EQ(long_key.result.kind, Kind::kReply);
  EXPECT_TRUE(long_key.result.reply.empty());  // silenced by noreply
}

TEST(ParserTest, StorageTokenCountErrorsAreNeverSilenced) {
  ExpectReply("set a 0 0\r\n", reply::kError);
  ExpectReply("set a 0 0 3 4 5\r\n", reply::kError);
  ExpectReply("cas c 0 0 1\r\n", reply::kError);
  ExpectReply("cas c 0 0 1 2 3 noreply\r\n", reply::kError);
}

TEST(ParserTest, ClientFlagsKeepTheLow32Bits) {
  auto p = ParseText("set a 4294967296 0 1\r\nx\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.client_flags, 0u);
  auto q = ParseText("set a 4294967295 0 1\r\nx\r\n");
  EXPECT_EQ(q.request.client_flags, 4294967295u);
}

TEST(ParserTest, TooLargeBlockIsACommandWithTheBlockSwallowed) {
  ParserOptions options;
  options.max_item_bytes = 10;
  auto p = ParseText("set a 0 0 11\r\n", options);
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_TRUE(p.request.too_large);
  EXPECT_EQ(p.result.consumed, 14u);
  EXPECT_EQ(p.result.swallow, 13u);
  auto ok = ParseText("set a 0 0 10\r\n0123456789\r\n", options);
  ASSERT_EQ(ok.result.kind, Kind::kCommand);
  EXPECT_FALSE(ok.request.too_large);
}

TEST(ParserTest, CasCarriesItsUniqueValue) {
  auto p = ParseText("cas c 1 2 1 18446744073709551615 noreply\r\ny\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.mode, StoreMode::kCas);
  EXPECT_EQ(p.request.cas_unique, UINT64_MAX);
  EXPECT_TRUE(p.request.noreply);
}

TEST(ParserTest, AppendPrependAddReplaceModes) {
  EXPECT_EQ(ParseText("add a 0 0 1\r\nx\r\n").request.mode, StoreMode::kAdd);
  EXPECT_EQ(ParseText("replace a 0 0 1\r\nx\r\n").request.mode, StoreMode::kReplace);
  EXPECT_EQ(ParseText("append a 0 0 1\r\nx\r\n").request.mode, StoreMode::kAppend);
  EXPECT_EQ(ParseText("prepend a 0 0 1\r\nx\r\n").request.mode, StoreMode::kPrepend);
}

TEST(ParserTest, IncrDecr) {
  auto p = ParseText("incr n 18446744073709551615\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kIncr);
  EXPECT_EQ(p.request.delta, UINT64_MAX);
  EXPECT_EQ(ParseText("decr n 1 noreply\r\n").request.command, Command::kDecr);
  ExpectReply("incr n x\r\n", reply::kInvalidDelta);
  ExpectReply("incr n -1\r\n", reply::kInvalidDelta);
  ExpectReply("incr n 18446744073709551616\r\n", reply::kInvalidDelta);
  ExpectReply("incr n x noreply\r\n", "");
  ExpectReply("incr n\r\n", reply::kError);
  ExpectReply("incr n 1 2 3\r\n", reply::kError);
  ExpectReply("incr " + std::string(251, 'k') + " 1\r\n", reply::kBadFormat);
}

TEST(ParserTest, Touch) {
  auto p = ParseText("touch t 100\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.exptime, 100);
  ExpectReply("touch t x\r\n", reply::kInvalidExptime);
  ExpectReply("touch t\r\n", reply::kError);
}

TEST(ParserTest, GatTakesTheExptimeFirst) {
  auto p = ParseText("gats 100 t u\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kGats);
  EXPECT_EQ(p.request.exptime, 100);
  ASSERT_EQ(p.request.keys.size(), 2u);
  EXPECT_EQ(p.request.keys[0], "t");
  auto none = ParseText("gat 100\r\n");  // memcached answers END
  ASSERT_EQ(none.result.kind, Kind::kCommand);
  EXPECT_TRUE(none.request.keys.empty());
  ExpectReply("gat x t\r\n", reply::kInvalidExptime);
  ExpectReply("gat\r\n", reply::kError);
}

TEST(ParserTest, DeleteAndItsObsoleteHoldTime) {
  EXPECT_EQ(ParseText("delete d\r\n").result.kind, Kind::kCommand);
  EXPECT_EQ(ParseText("delete d 0\r\n").result.kind, Kind::kCommand);
  auto q = ParseText("delete d 0 noreply\r\n");
  ASSERT_EQ(q.result.kind, Kind::kCommand);
  EXPECT_TRUE(q.request.noreply);
  ExpectReply("delete d 1\r\n", reply::kDeleteUsage);
  ExpectReply("delete d x y\r\n", reply::kDeleteUsage);
  ExpectReply("delete\r\n", reply::kError);
  ExpectReply("delete " + std::string(251, 'k') + "\r\n", reply::kBadFormat);
}

TEST(ParserTest, FlushAll) {
  EXPECT_EQ(ParseText("flush_all\r\n").request.exptime, 0);
  EXPECT_EQ(ParseText("flush_all 10 noreply\r\n").request.exptime, 10);
  EXPECT_TRUE(ParseText("flush_all noreply\r\n").request.noreply);
  EXPECT_EQ(ParseText("flush_all 1 2\r\n").request.exptime, 1);
  EXPECT_EQ(ParseText("flush_all -1\r\n").request.exptime, -1);
  ExpectReply("flush_all x\r\n", reply::kInvalidExptime);
  ExpectReply("flush_all 1 2 3\r\n", reply::kError);
}

TEST(ParserTest, VersionVerbosityQuitStats) {
  EXPECT_EQ(ParseText("version x\r\n").request.command, Command::kVersion);
  EXPECT_EQ(ParseText("quit x\r\n").request.command, Command::kQuit);
  auto v = ParseText("verbosity 1 noreply\r\n");
  EXPECT_EQ(v.request.command, Command::kVerbosity);
  EXPECT_TRUE(v.request.noreply);
  ExpectReply("verbosity\r\n", reply::kError);
  ExpectReply("verbosity x\r\n", reply::kBadFormat);
  ExpectReply("verbosity 1 2 3\r\n", reply::kError);
  auto s = ParseText("stats\r\n");
  EXPECT_EQ(s.request.command, Command::kStats);
  EXPECT_EQ(s.request.stats_group, "");
  EXPECT_EQ(ParseText("stats  settings\r\n").request.stats_group, "settings");
  EXPECT_EQ(ParseText("stats detail dump\r\n").request.stats_group, "detail dump");
}

TEST(ParserTest, ALineWithoutNewlineIsBoundedAsInMemcached) {
  EXPECT_EQ(ParseText(std::string(2048, 'x')).result.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseText(std::string(2049, 'x')).result.kind, Kind::kClose);
  // A long multi-get may grow past 2048 bytes, up to max_get_line_bytes.
  std::string get = "get";
  while (get.size() < 3000) get += " a";
  EXPECT_EQ(ParseText(get).result.kind, Kind::kNeedMore);
  EXPECT_EQ(ParseText("  " + get).result.kind, Kind::kNeedMore);
  ParserOptions small;
  small.max_get_line_bytes = 2500;
  EXPECT_EQ(ParseText(get, small).result.kind, Kind::kClose);
  // A whole line longer than 2048 bytes that arrived at once is processed.
  auto p = ParseText(std::string(3000, 'x') + "\r\nversion\r\n");
  EXPECT_EQ(p.result.kind, Kind::kReply);
  EXPECT_EQ(p.result.reply, reply::kError);
  EXPECT_EQ(p.result.consumed, 3002u);
}

TEST(ParserTest, RequestIsResetBetweenCommands) {
  Request req;
  std::string a = "set a 1 2 1 noreply\r\nx\r\n";
  ASSERT_EQ(Parse(a, {}, req).kind, Kind::kCommand);
  std::string b = "delete b\r\n";
  ASSERT_EQ(Parse(b, {}, req).kind, Kind::kCommand);
  EXPECT_EQ(req.command, Command::kDelete);
  EXPECT_FALSE(req.noreply);
  EXPECT_EQ(req.key, "b");
}

}  // namespace
}  // namespace apicached::memcached
