#include "http/key_list_body.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/http/key_list_reference.h"

namespace apicached::http {
namespace {

constexpr int kDepth = 3;
constexpr size_t kMaxKeys = 4;

// The same answer as the DOM reading: the same keys, or the same code and message.
void ExpectAsTheDom(const std::string& body, int depth = kDepth) {
  auto got = ReadKeyList(body, depth, kMaxKeys);
  auto want = testing::ReadKeyListWithDom(body, depth, kMaxKeys);
  ASSERT_EQ(got.ok(), want.ok()) << body << ": " << got.status().ToString() << " / "
                                 << want.status().ToString();
  if (want.ok()) {
    EXPECT_EQ(*got, *want) << body;
  } else {
    EXPECT_EQ(got.status().code(), want.status().code()) << body;
    EXPECT_EQ(got.status().message(), want.status().message()) << body;
  }
}

TEST(KeyListBodyTest, ReadsTheKeysAsTheDomDid) {
  const std::vector<std::string> bodies = {
      R"({"keys":["a","b","a"]})",
      R"({"keys":[]})",
      R"({"other":{"keys":[1]},"keys":["x"],"more":[[1],{"a":2}]})",
      R"({"keys":["a\"b","\u00e9","\\","\n"]})",
      R"({"keys":["first"],"keys":["second","third"]})",  // the last "keys" member counts
      R"({"keys":["a"],"keys":5})",
      R"({"keys":5,"keys":["a"]})",
      R"({"keys":"k"})",
      R"({"keys":{"a":["b"]}})",
      R"({"keys":null})",
      R"({"nokeys":["a"]})",
      R"({})",
      R"({"keys":[1]})",
      R"({"keys":["a",["b"]]})",
      R"({"keys":["a",{"b":"c"}]})",
      R"({"keys":["1","2","3","4"]})",
      R"({"keys":["1","2","3","4","5"]})",  // one over the bound: 413
      R"({"keys":["1",2,"3","4","5"]})",    // over the bound and not all strings: 413 first
      R"({"keys":[[[]]]})",                 // depth 3: allowed
      R"({"keys":[[[[]]]]})",               // depth 4: refused
      R"({"a":{"b":{"c":{"d":1}}},"keys":["x"]})",
      R"({"a":[[[1]]],"keys":["x"]})",
      R"(["keys"])",
      R"("keys")",
      R"(5)",
      R"()",
      R"({"keys":["a"]} trailing)",
      R"({"keys":["a"])",
      R"({"keys":["a",]})",
      R"({"keys":["\ud800"]})",
      "{\"keys\":[\"a\"]}\0junk",
  };
  for (const std::string& body : bodies) ExpectAsTheDom(body);
  ExpectAsTheDom(std::string("{\"keys\":[\"a\"]}\0junk", 20));
}

// The plain shape, read without the parser, and its edges: whatever it takes must read as the
// DOM does, and whatever it leaves goes to the parser (same answer either way).
TEST(KeyListBodyTest, ReadsThePlainShapeAsTheDomDid) {
  const std::vector<std::string> bodies = {
      R"({"keys":["a","b"]})",
      " \t\r\n{ \"keys\" :\n[ \"a\" ,\t\"b c\" ] }\n ",
      R"({"keys":[ ]})",
      R"({"keys":["", "~!#$%&'()*+,-./:;<=>?@[]^_`{|}"]})",
      "{\"keys\":[\"a\x7f\"]}",     // DEL: valid JSON, left to the parser
      "{\"keys\":[\"\xc3\xa9\"]}",  // UTF-8: checked by the parser
      "{\"keys\":[\"\xc3\"]}",      // not UTF-8
      "{\"keys\":[\"a\tb\"]}",      // a raw control character: not JSON
      R"({"keys":["a" "b"]})",
      R"({"keys":["a"],})",
      R"({"keys":["a"]}})",
      R"({"keys":["a"],"keys":["b"]})",
      R"({"keys":["a"],"more":1})",
      R"({"keys":["a")",
      R"({"keys":["a)",
      R"({"keys":[)",
      R"({"keys":["1","2","3","4"]})",
      R"({"keys":["1","2","3","4","5"]})",
      R"({"keys" "a"})",
      R"({"key":["a"]})",
      R"({"keys":["a"]} {})",
  };
  for (const std::string& body : bodies) ExpectAsTheDom(body);
  for (int depth : {0, 1, 2}) {
    for (const char* body : {R"({"keys":["a"]})", R"({"keys":[]})"}) ExpectAsTheDom(body, depth);
  }
}

TEST(KeyListBodyTest, KeepsTheKeysInOrderWithRepeats) {
  auto got = ReadKeyList(R"({"keys":["b","a","b"]})", kDepth, kMaxKeys);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, (std::vector<std::string>{"b", "a", "b"}));
}

}  // namespace
}  // namespace apicached::http
