// Lua scripting through the real apicached binary's Redis listener (DaemonProcess, free ports,
// temp data dir): django-redis's incr script by EVAL, SCRIPT LOAD + EVALSHA, a script's
// redis.log line in the daemon's log (escaped), the --redis-lua-time-limit and
// --redis-lua-memory-bytes flags.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/daemon_process.h"
#include "tests/support/read_until.h"

namespace apicached::testing {
namespace {

std::string Command(std::initializer_list<std::string> args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

DaemonOptions ScriptingDaemon() {
  DaemonOptions o;
  o.args = {"--redis-listen",           "127.0.0.1:0", "--redis-lua-time-limit", "200",
            "--redis-lua-memory-bytes", "8388608"};
  return o;
}

TEST(RedisScriptingDaemonTest, DjangoRedisIncrAndEvalsha) {
  DaemonProcess d(ScriptingDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  const std::string incr =
      "local exists = redis.call('EXISTS', KEYS[1])\n"
      "if (exists == 1) then return redis.call('INCRBY', KEYS[1], ARGV[1]) else return false end";
  EXPECT_EQ(Exchange(c, Command({"EVAL", incr, "1", ":1:n", "5"}), "\r\n"), "$-1\r\n");
  ASSERT_EQ(Exchange(c, "SET :1:n 10\r\n", "\r\n"), "+OK\r\n");
  EXPECT_EQ(Exchange(c, Command({"EVAL", incr, "1", ":1:n", "5"}), "\r\n"), ":15\r\n");
  EXPECT_EQ(Exchange(c, Command({"SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"}), "\r\n"),
            "$40\r\nd3c21d0c2b9ca22f82737626a27bcaf5d288f99f\r\n")
      << "the SHA-1 of the body";
  RawConnection other(d.redis_port());  // the script cache is the daemon's, not the connection's
  EXPECT_EQ(
      Exchange(other, Command({"EVALSHA", "d3c21d0c2b9ca22f82737626a27bcaf5d288f99f", "1", ":1:n"}),
               "15\r\n"),
      "$2\r\n15\r\n");
  EXPECT_EQ(Exchange(c, Command({"EVAL", "return redis.call('INCR', 'x', 'y')", "0"}), "\r\n"),
            "-ERR Wrong number of args calling Redis command from script script: "
            "77fa6b301bd64c8fb1c0e4fbc590f37f6b3d2081, on @user_script:1.\r\n");
}

TEST(RedisScriptingDaemonTest, RedisLogReachesTheDaemonLogEscaped) {
  DaemonProcess d(ScriptingDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  EXPECT_EQ(
      Exchange(c, Command({"EVAL", "redis.log(redis.LOG_WARNING, 'from lua\\r\\n\\27[31m')", "0"}),
               "\r\n"),
      "$-1\r\n");
  EXPECT_TRUE(
      d.WaitForOutput("redis script: from lua\\x0D\\x0A\\x1B[31m\n", std::chrono::seconds(10)))
      << d.output();
}

TEST(RedisScriptingDaemonTest, LimitFlagsAbortTheScriptAndTheDaemonServesOn) {
  DaemonProcess d(ScriptingDaemon());
  ASSERT_TRUE(d.Start());
  RawConnection c(d.redis_port());
  const std::string reply = Exchange(c, Command({"EVAL", "while true do end", "0"}), "\r\n");
  EXPECT_TRUE(reply.starts_with("-ERR Script ran longer than the 200 ms limit (lua-time-limit)"))
      << reply;
  const std::string big =
      Exchange(c, Command({"EVAL", "return #string.rep('x', 1e7)", "0"}), "\r\n");
  EXPECT_TRUE(big.starts_with("-ERR Script needed more than the 8388608-byte Lua memory limit"))
      << big;
  EXPECT_EQ(Exchange(c, "PING\r\n", "\r\n"), "+PONG\r\n");
}

}  // namespace
}  // namespace apicached::testing
