#include "http/value_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace apicached::http {
namespace {

TEST(Base64Test, RoundTripsAllLengthsAndBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(255 - i));
  for (size_t n = 0; n <= all.size(); n += 1) {
    std::string in = all.substr(0, n);
    EXPECT_EQ(Base64Decode(Base64Encode(in)), in) << n;
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
}

TEST(Base64Test, RefusesNonCanonical) {
  for (const char* bad :
       {"Zm8", "Zm9=v", "Z===", "Zm-=", "Zm9=Zm9v", "Zm9\n", "Zm9v!A==", "Zm9="}) {
    // "Zm9=" has non-zero padding bits (canonical is "Zm8=").
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
  }
}

TEST(Utf8Test, ValidatesStrictly) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

// The 8-byte ASCII stride must still see a bad byte at every position after and inside a run.
TEST(Utf8Test, FindsABadByteAtEveryPositionOfALongText) {
  const std::string ascii(40, 'a');
  EXPECT_TRUE(IsValidUtf8(ascii));
  for (size_t at = 0; at < ascii.size(); ++at) {
    std::string bad = ascii;
    bad[at] = '\xFF';
    EXPECT_FALSE(IsValidUtf8(bad)) << at;
    std::string good = ascii;
    good.replace(at, 1, "\xE2\x82\xAC");  // a 3-byte character among the ASCII
    EXPECT_TRUE(IsValidUtf8(good)) << at;
    EXPECT_FALSE(IsValidUtf8(good.substr(0, at + 2))) << at;  // cut inside it
  }
}

// The batch answers' strings are written without nlohmann::json: the bytes must be its dump()'s.
TEST(JsonStringTest, WritesWhatNlohmannWrites) {
  std::vector<std::string> samples = {"",
                                      "plain",
                                      "quote\" and \\ back",
                                      "\xC3\xA9\xF0\x9F\x98\x80",
                                      std::string("nul\0in", 7),
                                      "\x7F del"};
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  samples.push_back(controls);
  samples.push_back("long " + std::string(100, 'x') + "\n" + controls + std::string(50, '"'));
  for (const std::string& s : samples) {
    std::string out = "prefix";
    AppendJsonString(s, out);
    EXPECT_EQ(out, "prefix" + nlohmann::json(s).dump()) << s;
  }
}

// Clean runs are copied eight bytes at a time: a byte to escape in any position of a word, or
// in the tail after the last whole word, is still found; bytes above 0x7F pass as they are.
TEST(JsonStringTest, FindsAByteToEscapeInEveryPositionOfAWord) {
  const std::vector<std::string> specials = {
      "\"",   "\\",   "\n", std::string(1, '\0'), "\x01",
      "\x1f", "\x7f", " ",  "\xC3\xA9",           "\xE2\x82\xAC"};
  for (size_t length : {0, 1, 7, 8, 9, 15, 16, 17, 40}) {
    for (size_t at = 0; at <= length; ++at) {
      for (const std::string& special : specials) {
        std::string s(length, 'a');
        s.insert(at, special);
        std::string out;
        AppendJsonString(s, out);
        EXPECT_EQ(out, nlohmann::json(s).dump()) << length << " " << at << " " << special;
      }
    }
  }
}

// The one-pass form: the same bytes for valid UTF-8 in every position of a word; for a string
// with a broken sequence anywhere, false and nothing appended.
TEST(JsonStringTest, TheUtf8CheckingFormWritesTheSameOrNothing) {
  const std::vector<std::string> good = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\"",
                                         "\n"};
  const std::vector<std::string> bad = {
      "\xFF", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82"};
  for (size_t length : {0, 1, 7, 8, 9, 16, 17}) {
    for (size_t at = 0; at <= length; ++at) {
      for (const std::string& piece : good) {
        std::string s(length, 'a');
        s.insert(at, piece);
        std::string out = "x";
        EXPECT_TRUE(AppendJsonStringIfUtf8(s, out)) << length << " " << at;
        EXPECT_EQ(out, "x" + nlohmann::json(s).dump()) << length << " " << at;
      }
      for (const std::string& piece : bad) {
        std::string s(length, 'a');
        s.insert(at, piece);
        std::string out = "x";
        EXPECT_FALSE(AppendJsonStringIfUtf8(s, out)) << length << " " << at;
        EXPECT_EQ(out, "x");
        EXPECT_FALSE(IsValidUtf8(s));
      }
    }
  }
}

TEST(ValueJsonTest, PicksJsonTextOrBase64) {
  auto enc = [](std::string_view v, std::string_view ct) {
    std::string out = "{";
    AppendValueJson(v, ct, out);
    return nlohmann::json::parse(out + "}");
  };
  auto j = enc(R"( {"a": [1, 2]} )", "application/json; charset=utf-8");
  EXPECT_EQ(j["encoding"], "json");
  EXPECT_EQ(j["value"]["a"][1], 2);
  EXPECT_EQ(enc("{not json", "application/json")["encoding"], "utf-8");
  EXPECT_EQ(enc("[1]", "application/problem+json")["encoding"], "json");
  EXPECT_EQ(enc("[1]", "text/plain")["encoding"], "utf-8");
  auto b = enc(std::string("\xFF\x00", 2), "application/json");
  EXPECT_EQ(b["encoding"], "base64");
  EXPECT_EQ(b["value"], "/wA=");
}

}  // namespace
}  // namespace apicached::http
