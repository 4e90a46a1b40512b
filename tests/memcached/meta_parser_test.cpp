// Meta commands; the expected replies were recorded from memcached 1.6.18.
#include <gtest/gtest.h>

#include "memcached/parser.h"
#include "memcached/replies.h"
#include "tests/memcached/parse_helpers.h"

namespace apicached::memcached {
namespace {

using testing::ParseText;
using Kind = ParseResult::Kind;

void ExpectReply(std::string input, std::string_view reply, uint64_t swallow = 0,
                 size_t consumed = std::string::npos) {
  auto p = ParseText(input);
  EXPECT_EQ(p.result.kind, Kind::kReply) << input;
  EXPECT_EQ(p.result.reply, reply) << input;
  EXPECT_EQ(p.result.consumed, consumed == std::string::npos ? input.size() : consumed) << input;
  EXPECT_EQ(p.result.swallow, swallow) << input;
}

TEST(MetaParserTest, GetKeepsFlagsInOrder) {
  auto p = ParseText("mg k v k f t c s O123 q\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kMetaGet);
  EXPECT_EQ(p.request.Key(), "k");
  EXPECT_TRUE(p.request.return_value);
  EXPECT_TRUE(p.request.quiet);
  ASSERT_EQ(p.request.meta_flags.size(), 8u);
  EXPECT_EQ(p.request.meta_flags[6], "O123");
  EXPECT_TRUE(p.request.HasFlag('t'));
  EXPECT_FALSE(p.request.HasFlag('h'));
}

TEST(MetaParserTest, GetTtlFlags) {
  auto p = ParseText("mg k T30 N-1 R5\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.ttl, 30);
  EXPECT_EQ(p.request.vivify_ttl, -1);
  EXPECT_EQ(p.request.recache_ttl, 5);
}

TEST(MetaParserTest, Base64Key) {
  auto p = ParseText("mg Zm9v b v k\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_TRUE(p.request.key_base64);
  EXPECT_EQ(p.request.Key(), "foo");
  EXPECT_EQ(p.request.key, "Zm9v");
  // Decoded keys may hold any byte.
  auto bin = ParseText("mg AAEg b\r\n");
  ASSERT_EQ(bin.result.kind, Kind::kCommand);
  EXPECT_EQ(bin.request.Key(), std::string_view("\0\1 ", 3));
  ExpectReply("mg nokey v k Oabc b\r\n", reply::kBadKeyEncoding);
  ExpectReply("mg ZZZ b\r\n", reply::kBadKeyEncoding);
}

TEST(MetaParserTest, FlagErrors) {
  ExpectReply("mg m1 v v\r\n", reply::kDuplicateFlag);
  ExpectReply("mg m1 y\r\n", reply::kInvalidFlag);
  ExpectReply("mg m1 E1\r\n", reply::kInvalidFlag);
  ExpectReply("mg m1 Tx\r\n", reply::kBadToken);
  ExpectReply("mg m1 T\r\n", reply::kBadToken);
  ExpectReply("mg m1 O" + std::string(32, 'x') + "\r\n", reply::kOpaqueTooLong);
  EXPECT_EQ(ParseText("mg m1 O" + std::string(31, 'x') + "\r\n").result.kind, Kind::kCommand);
  ExpectReply("mg\r\n", reply::kError);
  ExpectReply("mg " + std::string(251, 'k') + " v\r\n", reply::kBadFormat);
  ExpectReply("mg a b c d e f g h i j k l m n o p q r s t u v w\r\n", reply::kFlagsTooLongMg);
  ExpectReply("md a b c d e f g h i j k l m n o p q r s t u v w\r\n", reply::kFlagsTooLong);
}

TEST(MetaParserTest, SetWithFlags) {
  auto p = ParseText("ms k 3 F7 T100 c k O9\r\nxyz\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kMetaSet);
  EXPECT_EQ(p.request.mode, StoreMode::kSet);
  EXPECT_EQ(p.request.client_flags, 7u);
  EXPECT_EQ(p.request.ttl, 100);
  EXPECT_EQ(p.request.data, "xyz");
  EXPECT_EQ(p.result.consumed, 28u);
}

TEST(MetaParserTest, SetModes) {
  EXPECT_EQ(ParseText("ms k 1 ME\r\nx\r\n").request.mode, StoreMode::kAdd);
  EXPECT_EQ(ParseText("ms k 1 MA\r\nx\r\n").request.mode, StoreMode::kAppend);
  EXPECT_EQ(ParseText("ms k 1 MP\r\nx\r\n").request.mode, StoreMode::kPrepend);
  EXPECT_EQ(ParseText("ms k 1 MR\r\nx\r\n").request.mode, StoreMode::kReplace);
  EXPECT_EQ(ParseText("ms k 1 MS\r\nx\r\n").request.mode, StoreMode::kSet);
  // A compare value turns set and replace into cas; add keeps its meaning.
  auto cas = ParseText("ms k 1 C5 MR\r\nx\r\n");
  EXPECT_EQ(cas.request.mode, StoreMode::kCas);
  EXPECT_EQ(cas.request.cas_unique, 5u);
  EXPECT_EQ(ParseText("ms k 1 C5 ME\r\nx\r\n").request.mode, StoreMode::kAdd);
}

TEST(MetaParserTest, SetErrorsAfterTheLengthSwallowTheBlock) {
  ExpectReply("ms m3 2 MX\r\nhi\r\n", reply::kBadSetMode, 4, 12);
  ExpectReply("ms m7 2 Z\r\nhi\r\n", reply::kInvalidFlag, 4, 11);
  ExpectReply("ms m7 2 F\r\nhi\r\n", reply::kBadFormat, 4, 11);
  ExpectReply("ms m7 2 Fx\r\nhi\r\n", reply::kBadFormat, 4, 12);
  ExpectReply("ms m7 2 Tx\r\nhi\r\n", reply::kBadToken, 4, 12);
  ExpectReply("ms m7 2 T1 T2\r\nhi\r\n", reply::kDuplicateFlag, 4, 15);
  ExpectReply("ms m7 2 MXY\r\nhi\r\n", reply::kBadModeLength, 4, 13);
  ExpectReply("ms m3 1 F-1\r\nx\r\n", reply::kBadFormat, 3, 13);
}

TEST(MetaParserTest, SetErrorsBeforeTheLengthLeaveTheBlock) {
  ExpectReply("ms m7\r\n", reply::kBadFormat);
  ExpectReply("ms m7 x\r\nhi\r\n", reply::kBadFormat, 0, 9);
  ExpectReply("ms m7 -1\r\nhi\r\n", reply::kBadFormat, 0, 10);
  ExpectReply("ms " + std::string(251, 'k') + " 2\r\nhi\r\n", reply::kBadFormat, 0, 258);
  ExpectReply("ms\r\n", reply::kError);
}

TEST(MetaParserTest, SetBadChunkIsNeverSilenced) {
  ExpectReply("ms m7 3 q\r\nhiii\r\n", reply::kBadDataChunk, 0, 16);
}

TEST(MetaParserTest, SetTooLarge) {
  ParserOptions options;
  options.max_item_bytes = 4;
  auto p = ParseText("ms k 5 q\r\n", options);
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_TRUE(p.request.too_large);
  EXPECT_EQ(p.result.swallow, 7u);
}

TEST(MetaParserTest, DeleteAnswersOneMessageForFlagErrors) {
  auto p = ParseText("md k q C5 I T30 k O1\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kMetaDelete);
  EXPECT_EQ(p.request.compare_cas, 5u);
  EXPECT_TRUE(p.request.invalidate);
  ExpectReply("md m8 Cx\r\n", reply::kInvalidOrDuplicateFlag);
  ExpectReply("md m8 Z\r\n", reply::kInvalidOrDuplicateFlag);
  ExpectReply("md m5 x\r\n", reply::kInvalidOrDuplicateFlag);
  ExpectReply("md\r\n", reply::kError);
}

TEST(MetaParserTest, Arithmetic) {
  auto p = ParseText("ma k\r\n");
  ASSERT_EQ(p.result.kind, Kind::kCommand);
  EXPECT_EQ(p.request.command, Command::kMetaArithmetic);
  EXPECT_EQ(p.request.delta, 1u);
  EXPECT_TRUE(p.request.increment);
  auto d = ParseText("ma k MD D20 N0 J13 v t c\r\n");
  EXPECT_FALSE(d.request.increment);
  EXPECT_EQ(d.request.delta, 20u);
  EXPECT_EQ(d.request.initial, 13u);
  EXPECT_EQ(d.request.vivify_ttl, 0);
  EXPECT_FALSE(ParseText("ma k M-\r\n").request.increment);
  EXPECT_TRUE(ParseText("ma k M+\r\n").request.increment);
  ExpectReply("ma nokey Mx\r\n", reply::kBadArithmeticMode);
  ExpectReply("ma nokey Dx\r\n", reply::kInvalidOrDuplicateFlag);
  ExpectReply("ma m4 D18446744073709551616\r\n", reply::kInvalidOrDuplicateFlag);
  ExpectReply("ma nokey Jx N0\r\n", reply::kInvalidOrDuplicateFlag);
}

TEST(MetaParserTest, DebugAndNoop) {
  auto me = ParseText("me Zm9v b\r\n");
  ASSERT_EQ(me.result.kind, Kind::kCommand);
  EXPECT_EQ(me.request.command, Command::kMetaDebug);
  EXPECT_EQ(me.request.Key(), "foo");
  ExpectReply("me\r\n", reply::kBadFormat);
  ExpectReply("me a b c\r\n", reply::kBadFormat);
  EXPECT_EQ(ParseText("mn x\r\n").request.command, Command::kMetaNoop);
}

}  // namespace
}  // namespace apicached::memcached
