// The sandbox: what a script can reach, and that nothing it does outlives it (globals, library
// tables, bytecode), against redis-server 7.0.15's answers.
#include <gtest/gtest.h>

#include <string>

#include "tests/redis_scripting/engine_fixture.h"

namespace apicached::redis::testing {
namespace {

using ScriptSandboxTest = EngineTest;

TEST_F(ScriptSandboxTest, NoGlobalWrites) {
  EXPECT_EQ(Eval("x = 1"),
            "-ERR user_script:1: Attempt to modify a readonly table script: "
            "34bce5f775de97f557a34088509c8bfe1ea17e52, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("rawset(_G, 'x', 1)"),
            "-ERR Attempt to modify a readonly table script: "
            "e2c706419da183d6229a1230c3be09cc32cdeee0, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("local s = string; s.x = 1"),
            "-ERR user_script:1: Attempt to modify a readonly table script: "
            "9ad4cb7ba28dc32a25817d3511335f1fbb520d35, on @user_script:1.\r\n");
  EXPECT_EQ(
      Eval("return _G.x"),
      "-ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: "
      "a77ae67de163f975b1ed8463acc72469cf24a035, on @user_script:1.\r\n");
  EXPECT_EQ(
      Eval("return y"),
      "-ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: "
      "e278681ed961e2fb52881313e5c90fdd93749940, on @user_script:1.\r\n");
}

TEST_F(ScriptSandboxTest, NoWayAroundTheLock) {
  // Each attempt fails, and a later script sees the libraries untouched.
  EXPECT_TRUE(
      Eval("rawset(string, 'upper', 1)").starts_with("-ERR Attempt to modify a readonly table"));
  EXPECT_TRUE(Eval("redis.call = nil").starts_with("-ERR user_script:1: Attempt to modify"));
  EXPECT_TRUE(
      Eval("getmetatable('').__index.upper = nil").starts_with("-ERR user_script:1: Attempt"));
  EXPECT_TRUE(Eval("getmetatable('').__index = {}").starts_with("-ERR user_script:1: Attempt"));
  EXPECT_TRUE(Eval("setmetatable(_G, {})")
                  .starts_with("-ERR user_script:1: cannot change a protected metatable"));
  EXPECT_TRUE(Eval("math.random = nil").starts_with("-ERR user_script:1: Attempt"));
  EXPECT_EQ(Eval("return getmetatable('').__index == string"), ":1\r\n");
  EXPECT_EQ(Eval("return ('abc'):upper()"), "$3\r\nABC\r\n");
  EXPECT_EQ(Eval("return type(redis.call)"), "$8\r\nfunction\r\n");
  // Reading through the proxies works as on Redis.
  EXPECT_EQ(Eval("return rawget(_G, 'redis') == redis"), ":1\r\n");
  EXPECT_EQ(Eval("local n = 0; for k, v in pairs(math) do n = n + 1 end; return n > 10"), ":1\r\n");
  EXPECT_EQ(Eval("local t = {}; rawset(t, 'a', 1); return t.a"), ":1\r\n");
}

TEST_F(ScriptSandboxTest, UnsafeFunctionsAreAbsent) {
  for (const char* name : {"os", "io", "loadfile", "dofile", "print", "debug", "require", "module",
                           "setfenv", "getfenv", "newproxy", "package"}) {
    EXPECT_TRUE(
        Eval(std::string("return ") + name)
            .starts_with(std::string("-ERR user_script:1: Script attempted to access nonexistent "
                                     "global variable '") +
                         name + "'"))
        << name;
  }
  for (const char* name :
       {"loadstring", "load", "pcall", "xpcall", "tostring", "tonumber", "unpack", "select",
        "setmetatable", "collectgarbage", "gcinfo", "ipairs"}) {
    EXPECT_EQ(Eval(std::string("return type(") + name + ")"), "$8\r\nfunction\r\n") << name;
  }
  EXPECT_EQ(Eval("return _VERSION"), "$7\r\nLua 5.1\r\n");
  EXPECT_EQ(Eval("return loadstring('return 5')()"), ":5\r\n");
}

TEST_F(ScriptSandboxTest, NoBytecode) {
  EXPECT_EQ(Eval("\x1bLua"),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'char(27)'\r\n");
  EXPECT_EQ(Eval("local f = loadstring(string.dump(function() return 1 end)); return type(f)"),
            "$3\r\nnil\r\n");
  EXPECT_EQ(
      Eval("local s = string.dump(function() return 1 end); local done = false;"
           "local f, e = load(function() if done then return nil end; done = true; return s end);"
           "return e"),
      "$45\r\nloading precompiled Lua chunks is not allowed\r\n");
  EXPECT_EQ(Eval("local done = false;"
                 "return load(function() if done then return nil end; done = true; return 'return "
                 "7' end)()"),
            ":7\r\n");
}

TEST_F(ScriptSandboxTest, ChunksLoadedByAScriptAreSandboxedToo) {
  EXPECT_TRUE(
      Eval("loadstring('x = 1')()").starts_with("-ERR [string \"x = 1\"]:1: Attempt to modify"));
  EXPECT_TRUE(Eval("return coroutine.wrap(function() z = 1 end)()").find("Attempt to modify") !=
              std::string::npos);
}

}  // namespace
}  // namespace apicached::redis::testing
