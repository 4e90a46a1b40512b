// The RESP writer: every Reply kind in RESP2 and RESP3, as redis-server 7.0.15 writes them.
#include "redis/resp_writer.h"

#include <gtest/gtest.h>

#include <cmath>

namespace apicached::redis {
namespace {

std::string Render(const Reply& r, RespVersion v) {
  std::string out;
  AppendReply(r, v, out);
  return out;
}

TEST(RespWriterTest, ScalarsInBothVersions) {
  for (RespVersion v : {RespVersion::kResp2, RespVersion::kResp3}) {
    EXPECT_EQ(Render(Reply::Ok(), v), "+OK\r\n");
    EXPECT_EQ(Render(Reply::Error("ERR syntax error"), v), "-ERR syntax error\r\n");
    EXPECT_EQ(Render(Reply::Integer(-42), v), ":-42\r\n");
    EXPECT_EQ(Render(Reply::Bulk(std::string("a\0\r\n", 4)), v),
              std::string("$4\r\na\0\r\n\r\n", 10));
    EXPECT_EQ(Render(Reply::Bulk(""), v), "$0\r\n\r\n");
  }
}

TEST(RespWriterTest, NullsDifferByVersion) {
  EXPECT_EQ(Render(Reply::Null(), RespVersion::kResp2), "$-1\r\n");
  EXPECT_EQ(Render(Reply::NullArray(), RespVersion::kResp2), "*-1\r\n");
  EXPECT_EQ(Render(Reply::Null(), RespVersion::kResp3), "_\r\n");
  EXPECT_EQ(Render(Reply::NullArray(), RespVersion::kResp3), "_\r\n");
}

TEST(RespWriterTest, AggregatesAndResp3Kinds) {
  const Reply map = Reply::Map({Reply::Bulk("a"), Reply::Integer(1)});
  EXPECT_EQ(Render(map, RespVersion::kResp2), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Render(map, RespVersion::kResp3), "%1\r\n$1\r\na\r\n:1\r\n");
  const Reply set = Reply::Set({Reply::Simple("x")});
  EXPECT_EQ(Render(set, RespVersion::kResp2), "*1\r\n+x\r\n");
  EXPECT_EQ(Render(set, RespVersion::kResp3), "~1\r\n+x\r\n");
  EXPECT_EQ(Render(Reply::Array({}), RespVersion::kResp3), "*0\r\n");
  EXPECT_EQ(Render(Reply::Boolean(true), RespVersion::kResp2), ":1\r\n");
  EXPECT_EQ(Render(Reply::Boolean(false), RespVersion::kResp3), "#f\r\n");
  EXPECT_EQ(Render(Reply::Double(1.5), RespVersion::kResp2), "$3\r\n1.5\r\n");
  EXPECT_EQ(Render(Reply::Double(1.5), RespVersion::kResp3), ",1.5\r\n");
  EXPECT_EQ(Render(Reply::Double(INFINITY), RespVersion::kResp3), ",inf\r\n");
  EXPECT_EQ(Render(Reply::Verbatim("a:1\r\n"), RespVersion::kResp2), "$5\r\na:1\r\n\r\n");
  EXPECT_EQ(Render(Reply::Verbatim("a:1\r\n"), RespVersion::kResp3), "=9\r\ntxt:a:1\r\n\r\n");
}

TEST(RespWriterTest, LineBreaksInSimpleTextsBecomeSpaces) {
  EXPECT_EQ(Render(Reply::Error("ERR bad\r\nthing"), RespVersion::kResp2), "-ERR bad  thing\r\n");
  EXPECT_EQ(Render(Reply::Simple("a\nb"), RespVersion::kResp3), "+a b\r\n");
}

}  // namespace
}  // namespace apicached::redis
