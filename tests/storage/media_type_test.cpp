#include "storage/media_type.h"

#include <gtest/gtest.h>

#include <string>

namespace apicached {
namespace {

TEST(MediaTypeTest, AcceptsTheGrammar) {
  for (const char* ok :
       {"text/plain", "application/octet-stream", "application/problem+json",
        "text/plain; charset=utf-8", "text/plain;charset=utf-8", "text/plain ;\tcharset=utf-8",
        "TEXT/Plain; Charset=UTF-8", "text/plain; charset=\"utf-8\"", "a/b; x=\"\"",
        "a/b; x=\"q\\\"uote\\\\d\"", "a/b;", "a/b; ;x=1", "a/b; x=1; y=2", "vnd.a!#$%&'*+-.^_`|~/b",
        "a/b; x=\"tab\there and space\""}) {
    EXPECT_TRUE(IsMediaType(ok)) << ok;
    EXPECT_EQ(MediaTypeError(ok), "") << ok;
  }
  EXPECT_TRUE(IsMediaType("a/b; x=\"\x80\xff\""));  // obs-text inside a quoted string
}

TEST(MediaTypeTest, RefusesWhatCouldBreakAHeader) {
  for (const std::string& bad :
       {std::string("text/html\r\nContent-Length: 0"), std::string("text/html\n"),
        std::string("text/html\r"), std::string("text/plain\0", 11), std::string("a/b\x7f"),
        std::string("a/b; x=\"\r\n\""), std::string("a/b; x=\"\0\"", 9),
        std::string("a/b; x=\"\\\n\""), std::string("a/b\x80")}) {
    EXPECT_FALSE(IsMediaType(bad)) << bad;
  }
}

TEST(MediaTypeTest, RefusesOtherShapes) {
  for (const char* bad :
       {"", "text", "text/", "/plain", "text/plain/x", " text/plain", "text/plain ", "text /plain",
        "text/ plain", "text/plain; charset", "text/plain; charset=", "text/plain; =x",
        "text/plain; a b=c", "text/plain, text/html", "text/plain; a=\"open", "text/plain; a=\"x\\",
        "te(x)t/plain", "text/plain; a=x y", "text/plain; a=\"x\"y"}) {
    EXPECT_FALSE(IsMediaType(bad)) << bad;
    EXPECT_NE(MediaTypeError(bad), "") << bad;
  }
}

TEST(MediaTypeTest, ErrorSaysWhereAndNeverEchoesControlBytes) {
  const std::string why = MediaTypeError("text/html\r\nX-Evil: 1");
  EXPECT_NE(why.find("media type"), std::string::npos) << why;
  EXPECT_NE(why.find("offset 9"), std::string::npos) << why;
  EXPECT_NE(why.find("byte 0x0d"), std::string::npos) << why;
  EXPECT_EQ(why.find('\r'), std::string::npos);
  EXPECT_EQ(why.find("X-Evil"), std::string::npos);
}

TEST(MediaTypeTest, TokensAreTchars) {
  EXPECT_TRUE(IsToken("Content-Type"));
  EXPECT_TRUE(IsToken("x!#$%&'*+-.^_`|~09"));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken("a b"));
  EXPECT_FALSE(IsToken("a:b"));
  EXPECT_FALSE(IsToken("a\r"));
}

}  // namespace
}  // namespace apicached
