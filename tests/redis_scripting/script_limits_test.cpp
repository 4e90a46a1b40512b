// The bounds: time, memory, reply size, script cache; the engine stays usable after each.
#include <gtest/gtest.h>

#include <string>

#include "redis/scripting/sha1.h"
#include "tests/redis_scripting/engine_fixture.h"
#include "tests/support/ticking_clock.h"

namespace apicached::redis::testing {
namespace {

using scripting::ScriptEngine;

ScriptEngine::Options Small() {
  ScriptEngine::Options o;
  o.time_limit = std::chrono::milliseconds(100);
  o.memory_limit_bytes = 8u << 20;
  o.max_cached_scripts = 3;
  o.max_cached_script_bytes = 4096;
  o.max_reply_bytes = 1u << 20;
  return o;
}

class ScriptLimitsTest : public EngineTest {
 protected:
  ScriptLimitsTest() : EngineTest(Small()) {}
};

TEST_F(ScriptLimitsTest, TimeLimitAbortsAScriptThatCallsCommands) {
  // Each command takes 10 ms of the fake clock; the 11th passes the 100 ms limit.
  ScriptEngine::Call slow = [this](const Argv& argv) {
    clock_.Advance(std::chrono::milliseconds(10));
    return redis_(argv);
  };
  const Reply r = engine_.Execute({"EVAL", "while true do redis.call('incr', 'n') end", "0"}, slow);
  ASSERT_TRUE(r.is_error());
  EXPECT_TRUE(
      r.text.starts_with("ERR Script ran longer than the 100 ms limit (lua-time-limit) and was "
                         "aborted; writes it made before stay script: "))
      << r.text;
  const int64_t n = std::stoll(redis_.Value("n"));
  EXPECT_GE(n, 10);
  EXPECT_LT(n, 10000);  // aborted at the first clock check past the deadline
  EXPECT_EQ(Eval("return 1"), ":1\r\n");
}

TEST(ScriptLimitsBusy, TimeLimitAbortsABusyLoopPcallCannotSwallow) {
  apicached::testing::TickingClock clock;  // 1 ms per read: the limit passes after 100 checks
  ScriptEngine engine(Small(), clock, {});
  ScriptEngine::Call none = [](const Argv&) { return Reply::Null(); };
  for (const char* script :
       {"while true do end", "while true do pcall(function() while true do end end) end",
        "local ok = pcall(function() while true do end end); return 'survived'"}) {
    const Reply r = engine.Execute({"EVAL", script, "0"}, none);
    ASSERT_TRUE(r.is_error()) << script;
    EXPECT_TRUE(r.text.starts_with("ERR Script ran longer than the 100 ms limit"))
        << script << ": " << r.text;
  }
  EXPECT_EQ(Resp2(engine.Execute({"EVAL", "return 2", "0"}, none)), ":2\r\n");
}

TEST_F(ScriptLimitsTest, MemoryLimitAbortsTheScriptNotTheDaemon) {
  const std::string r = Eval("return string.rep('x', 1e9)");
  EXPECT_TRUE(r.starts_with("-ERR Script needed more than the 8388608-byte Lua memory limit")) << r;
  const std::string t = Eval("local t = {} for i = 1, 1e7 do t[i] = i end return #t");
  EXPECT_TRUE(t.starts_with("-ERR Script needed more than the 8388608-byte Lua memory limit")) << t;
  const std::string c = Eval("local s = 'x' while true do s = s .. s end");
  EXPECT_TRUE(c.starts_with("-ERR Script needed more than the 8388608-byte Lua memory limit")) << c;
  EXPECT_EQ(Eval("return #string.rep('x', 1e6)"), ":1000000\r\n");  // memory came back
  // A huge command reply converted into Lua hits the same limit.
  redis_.Put("big", std::string(5u << 20, 'b'));
  const std::string g = Eval("local a = redis.call('get', 'big'); local b = a .. 'x'; return #b");
  EXPECT_TRUE(g.starts_with("-ERR Script needed more than")) << g;
  EXPECT_EQ(Eval("return 3"), ":3\r\n");
}

// A script that stops the collector does not leave it stopped for the next ones: 12 MB of
// garbage under an 8 MiB limit.
TEST_F(ScriptLimitsTest, GarbageCollectorStaysOn) {
  EXPECT_EQ(Eval("collectgarbage('stop'); return 1"), ":1\r\n");
  EXPECT_EQ(
      Eval(
          "local t = {}; for i = 1, 100000 do t[i % 10] = string.rep('x', 100) .. i end; return 1"),
      ":1\r\n");
}

TEST_F(ScriptLimitsTest, ReplyBound) {
  const std::string r =
      Eval("local s = string.rep('x', 1e5); local t = {} for i = 1, 100 do t[i] = s end return t");
  EXPECT_EQ(r, "-ERR the script's reply is larger than the 1048576-byte limit\r\n");
  const std::string self = Eval("local t = {}; t[1] = t; t[2] = t; return t");
  EXPECT_EQ(self, "-ERR the script's reply is larger than the 1048576-byte limit\r\n");
  const std::string deep = Eval("local t = {}; t[1] = t; return t");
  EXPECT_TRUE(deep.find("-ERR reached lua stack limit") != std::string::npos)
      << deep.substr(0, 100);
}

TEST_F(ScriptLimitsTest, ScriptCacheEvictsEvalScriptsKeepsLoadedOnes) {
  const std::string loaded = "return 'loaded'";
  EXPECT_EQ(Run({"SCRIPT", "LOAD", loaded}), "$40\r\n" + scripting::Sha1Hex(loaded) + "\r\n");
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(Eval("return " + std::to_string(i)), ":" + std::to_string(i) + "\r\n");
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", scripting::Sha1Hex(loaded), scripting::Sha1Hex("return 9"),
                 scripting::Sha1Hex("return 0")}),
            "*3\r\n:1\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "return 'a'"}).size(), 47u);
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "return 'b'"}).size(), 47u);
  EXPECT_EQ(
      Run({"SCRIPT", "LOAD", "return 'c'"}),
      "-ERR the script cache is full (3 scripts or 4096 bytes of loaded scripts); SCRIPT FLUSH "
      "empties it\r\n");
  // EVAL still works when only loaded scripts fill the cache: compiled for the one run.
  EXPECT_EQ(Eval("return 'uncached'"), "$8\r\nuncached\r\n");
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", scripting::Sha1Hex("return 'uncached'")}), "*1\r\n:0\r\n");
  EXPECT_EQ(Eval(std::string(5000, ' ') + "return 'big'"), "$3\r\nbig\r\n");
}

TEST(ScriptLimitsOptions, ZeroLimitsAreRefused) {
  FakeClock clock;
  ScriptEngine::Options o;
  o.max_cached_scripts = 0;
  EXPECT_THROW(ScriptEngine(o, clock), std::invalid_argument);
}

}  // namespace
}  // namespace apicached::redis::testing
