// COMMAND DOCS's "arguments": rendered the way redis-cli 7.0 builds its hints, they read as
// redis-server 7.0.15's (checked for every command of the table on 2026-11-26; here a few).
#include "redis/command_syntax.h"

#include <gtest/gtest.h>

#include <string>

#include "redis/command.h"

namespace apicached::redis {
namespace {

const Reply* Field(const Reply& map, std::string_view key) {
  for (size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].text == key) return &map.elements[i + 1];
  }
  return nullptr;
}

std::string Render(const Reply& args, std::string_view separator);

// redis-cli's cliAddArgument.
std::string RenderOne(const Reply& arg) {
  const std::string type = Field(arg, "type")->text;
  const Reply* token = Field(arg, "token");
  std::string tok = token != nullptr ? token->text : "";
  std::string rep;
  if (type == "oneof") {
    rep = Render(*Field(arg, "arguments"), "|");
  } else if (type == "block") {
    rep = Render(*Field(arg, "arguments"), " ");
  } else if (type != "pure-token") {
    rep = Field(arg, "name")->text;
  }
  if (!tok.empty() && type != "pure-token") tok += " ";
  bool optional = false, multiple = false;
  if (const Reply* flags = Field(arg, "flags")) {
    for (const Reply& f : flags->elements) {
      EXPECT_EQ(f.kind, Reply::Kind::kSimple);  // redis-cli asserts a status reply
      optional |= f.text == "optional";
      multiple |= f.text == "multiple";
    }
  }
  std::string out = optional ? "[" : "";
  out += tok + rep;
  if (multiple) out += " [" + rep + " ...]";
  if (optional) out += "]";
  return out;
}

std::string Render(const Reply& args, std::string_view separator) {
  std::string out;
  for (const Reply& a : args.elements) {
    if (!out.empty()) out += separator;
    out += RenderOne(a);
  }
  return out;
}

std::string Hint(std::string_view command) {
  return Render(ArgumentsDoc(SyntaxOf(command)), " ");
}

TEST(RedisCommandSyntaxTest, RendersAsRedisCliShowsRedisCommands) {
  EXPECT_EQ(Hint("set"),
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
            "unix-time-milliseconds|KEEPTTL]");
  EXPECT_EQ(Hint("mset"), "key value [key value ...]");
  EXPECT_EQ(Hint("del"), "key [key ...]");
  EXPECT_EQ(Hint("eval"), "script numkeys [key [key ...]] [arg [arg ...]]");
  EXPECT_EQ(Hint("hello"), "[protover [AUTH username password] [SETNAME clientname]]");
  EXPECT_EQ(Hint("command|list"), "[FILTERBY MODULE module-name|ACLCAT category|PATTERN pattern]");
  EXPECT_EQ(Hint("scan"), "cursor [MATCH pattern] [COUNT count] [TYPE type]");
  EXPECT_EQ(Hint("ping"), "[message]");
  EXPECT_EQ(Hint("time"), "");
}

TEST(RedisCommandSyntaxTest, EveryArgumentOfTheTableHasANameAndAType) {
  for (const CommandSpec& spec : AllCommands()) {
    std::vector<const CommandSpec*> specs = {&spec};
    for (const CommandSpec& sub : spec.subcommands) specs.push_back(&sub);
    for (const CommandSpec* s : specs) {
      const Reply args = ArgumentsDoc(SyntaxOf(s->name));
      for (const Reply& a : args.elements) {
        ASSERT_NE(Field(a, "name"), nullptr) << s->name;
        EXPECT_FALSE(Field(a, "name")->text.empty()) << s->name;
        EXPECT_FALSE(Field(a, "type")->text.empty()) << s->name;
      }
    }
  }
  EXPECT_EQ(SyntaxOf("nosuch"), "");
}

}  // namespace
}  // namespace apicached::redis
