// EVAL, EVALSHA, SCRIPT and the Lua <-> RESP conversions, against the bytes redis-server 7.0.15
// sent for the same commands.
#include <gtest/gtest.h>

#include <string>

#include "redis/scripting/sha1.h"
#include "tests/redis_scripting/engine_fixture.h"

namespace apicached::redis::testing {
namespace {

using ScriptEngineTest = EngineTest;

TEST_F(ScriptEngineTest, NumkeysErrors) {
  EXPECT_EQ(Run({"EVAL", "return 1", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"EVAL", "return 1", "01"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"EVAL", "return 1", " 1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"EVAL", "return 1", "-1"}), "-ERR Number of keys can't be negative\r\n");
  EXPECT_EQ(Run({"EVAL", "return 1", "2", "a"}),
            "-ERR Number of keys can't be greater than number of args\r\n");
  EXPECT_EQ(Run({"eval", "return 1"}), "-ERR wrong number of arguments for 'eval' command\r\n");
  EXPECT_EQ(Run({"EVALSHA_RO", "x"}),
            "-ERR wrong number of arguments for 'evalsha_ro' command\r\n");
}

TEST_F(ScriptEngineTest, KeysAndArgv) {
  EXPECT_EQ(Eval("return {KEYS[1],ARGV[1],ARGV[2]}", {"k"}, {"a", "b"}),
            "*3\r\n$1\r\nk\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(Eval("return #KEYS", {"a", "b", "c"}), ":3\r\n");
  EXPECT_EQ(Eval("KEYS[1]='z'; return KEYS[1]", {"a"}), "$1\r\nz\r\n");
  EXPECT_EQ(Eval("return redis.call('get',KEYS[1])", {std::string("k\0\r\n", 4)}), "$-1\r\n");
  EXPECT_EQ(redis_.calls.back()[1], std::string("k\0\r\n", 4));  // binary-safe
}

TEST_F(ScriptEngineTest, LuaToRedisConversions) {
  EXPECT_EQ(Eval("return 3.99"), ":3\r\n");
  EXPECT_EQ(Eval("return -3.99"), ":-3\r\n");
  EXPECT_EQ(Eval("return true"), ":1\r\n");
  EXPECT_EQ(Eval("return false"), "$-1\r\n");
  EXPECT_EQ(Eval("return nil"), "$-1\r\n");
  EXPECT_EQ(Eval("return {1,2,nil,4}"), "*2\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Eval("return {'a', false, 'b'}"), "*3\r\n$1\r\na\r\n$-1\r\n$1\r\nb\r\n");
  EXPECT_EQ(Eval("return {ok='fine'}"), "+fine\r\n");
  EXPECT_EQ(Eval("return {err='bad thing'}"), "-bad thing\r\n");
  EXPECT_EQ(Eval("return {err='MYERR bad thing'}"), "-MYERR bad thing\r\n");
  EXPECT_EQ(Eval("return {ok=5}"), "*0\r\n");
  EXPECT_EQ(Eval("return {err={}}"), "*0\r\n");
  EXPECT_EQ(Eval("return {ok='a', err='b'}"), "-b\r\n");
  EXPECT_EQ(Eval("return {1, x=2}"), "*1\r\n:1\r\n");
  EXPECT_EQ(Eval("return {[2]=1}"), "*0\r\n");
  EXPECT_EQ(Eval("return {1,{2,{3,'x'}}, {ok='o'}, {err='e'}}"),
            "*4\r\n:1\r\n*2\r\n:2\r\n*2\r\n:3\r\n$1\r\nx\r\n+o\r\n-e\r\n");
  EXPECT_EQ(Eval("return 9007199254740993"), ":9007199254740992\r\n");
  EXPECT_EQ(Eval("return {1e20, -1e20, 0/0, 1/0}"),
            "*4\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n"
            ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return {double=3.5}"), "$3\r\n3.5\r\n");
  EXPECT_EQ(Eval("return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set={a=true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return {big_number='123'}"), "$3\r\n123\r\n");
  EXPECT_EQ(Eval("return redis.status_reply('a\\r\\nb')"), "+a  b\r\n");
  EXPECT_EQ(Eval("return string.rep('x', 3)"), "$3\r\nxxx\r\n");
}

TEST_F(ScriptEngineTest, RedisToLuaConversions) {
  EXPECT_EQ(Eval("return type(redis.call('get', 'nokey'))"), "$7\r\nboolean\r\n");
  EXPECT_EQ(Eval("return redis.call('set', 'k', 'v')"), "+OK\r\n");
  EXPECT_EQ(Eval("return type(redis.call('set', 'k', 'v'))"), "$5\r\ntable\r\n");
  EXPECT_EQ(Eval("return redis.call('set', 'k', 'v')['ok']"), "$2\r\nOK\r\n");
  EXPECT_EQ(Eval("return redis.call('ping')"), "+PONG\r\n");
  EXPECT_EQ(Eval("return redis.call('mget','a','b')"), "*2\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(Eval("local t = {} ; t[1]='a'; t[2]=redis.call('get','zz'); t[3]='c'; return t"),
            "*3\r\n$1\r\na\r\n$-1\r\n$1\r\nc\r\n");
  EXPECT_EQ(Eval("return {1,2,3, redis.call('get', 'zzz'), 5}"),
            "*5\r\n:1\r\n:2\r\n:3\r\n$-1\r\n:5\r\n");
  EXPECT_EQ(Eval("redis.call('set','n', 3.5); return redis.call('get','n')"), "$3\r\n3.5\r\n");
  EXPECT_EQ(Eval("redis.call('set','n', 1e20); return redis.call('get','n')"), "$5\r\n1e+20\r\n");
  EXPECT_EQ(Eval("redis.call('set','n', 0.1); return redis.call('get','n')"),
            "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(Eval("return redis.call('incr', 'counter')"), ":1\r\n");
}

TEST_F(ScriptEngineTest, Resp3RepliesAfterSetresp) {
  ScriptEngine::Call resp3 = [](const Argv& argv) {
    if (argv[0] == "map") return Reply::Map({Reply::Bulk("a"), Reply::Integer(1)});
    if (argv[0] == "set") return Reply::Set({Reply::Bulk("m")});
    if (argv[0] == "double") return Reply::Double(2.5);
    if (argv[0] == "bool") return Reply::Boolean(true);
    return Reply::Null();
  };
  auto run = [&](const std::string& script) {
    return Resp2(engine_.Execute({"EVAL", script, "0"}, resp3));
  };
  // RESP2 (the default): Redis's RESP2 rendering of each kind.
  EXPECT_EQ(run("return redis.call('map')"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(run("return redis.call('double')"), "$3\r\n2.5\r\n");
  EXPECT_EQ(run("return redis.call('bool')"), ":1\r\n");
  EXPECT_EQ(run("return type(redis.call('null'))"), "$7\r\nboolean\r\n");
  // RESP3.
  EXPECT_EQ(run("redis.setresp(3); return redis.call('map').map.a"), ":1\r\n");
  EXPECT_EQ(run("redis.setresp(3); return redis.call('set').set.m"), ":1\r\n");
  EXPECT_EQ(run("redis.setresp(3); return redis.call('double').double * 2"), ":5\r\n");
  EXPECT_EQ(run("redis.setresp(3); return type(redis.call('bool'))"), "$7\r\nboolean\r\n");
  EXPECT_EQ(run("redis.setresp(3); return type(redis.call('null'))"), "$3\r\nnil\r\n");
  const Reply r =
      engine_.Execute({"EVAL", "redis.setresp(3); return redis.call('map')", "0"}, resp3);
  ASSERT_EQ(r.kind, Reply::Kind::kMap);
  EXPECT_EQ(Resp2(r), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(engine_.Execute({"EVAL", "redis.setresp(3); return true", "0"}, resp3).kind,
            Reply::Kind::kBoolean);
  EXPECT_EQ(run("return redis.setresp(4)").substr(0, 35), "-ERR RESP version must be 2 or 3. s");
}

TEST_F(ScriptEngineTest, CommandErrorsAbortTheScriptWithRedisFormat) {
  EXPECT_EQ(Eval("return redis.call('nosuch')"),
            "-ERR Unknown Redis command called from script script: "
            "206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("redis.call('set','str','abc'); return redis.call('incr', 'str')"),
            "-ERR value is not an integer or out of range script: "
            "4c573ca4408cb3d0a568a020822e7451fb593f81, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.call()"),
            "-ERR Please specify at least one argument for this redis lib call script: "
            "0a907e1429221a4d85516cab7fd219a82a9439d8, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.call('get', {})"),
            "-ERR Lua redis lib command arguments must be strings or integers script: "
            "4368e88f98d93af9caf358186e5fbf273374ee91, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.call('eval','return 1','0')"),
            "-ERR This Redis command is not allowed from script script: "
            "1e5046f3a9119d3dc9cf5824428b6d9fedd305d2, on @user_script:1.\r\n");
}

TEST_F(ScriptEngineTest, PcallReturnsTheErrorTable) {
  redis_.Put("str", "abc");
  EXPECT_EQ(Eval("return redis.pcall('nosuch')"),
            "-ERR Unknown Redis command called from script\r\n");
  EXPECT_EQ(Eval("return redis.pcall('incr', 'str')"),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval("return redis.pcall('incr','str')['err']"),
            "$43\r\nERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval("return redis.pcall()"),
            "-ERR Please specify at least one argument for this redis lib call\r\n");
  // Lua's pcall catches an error table as its message (Redis 7).
  EXPECT_EQ(Eval("local ok, e = pcall(function() redis.call('incr','str') end); return e"),
            "$43\r\nERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval("return pcall(function() redis.call('incr','str') end)"), "$-1\r\n");
  EXPECT_EQ(Eval("local ok, e = pcall(function() error('x') end); return e"),
            "$16\r\nuser_script:1: x\r\n");
  EXPECT_EQ(Eval("local a,b = pcall(error, {err='E1'}); return b"), "$2\r\nE1\r\n");
  EXPECT_EQ(Eval("return pcall()"), "$-1\r\n");
}

TEST_F(ScriptEngineTest, ScriptErrors) {
  EXPECT_EQ(Eval("error('boom')"),
            "-ERR user_script:1: boom script: 82903a0434f1503e152f89c03c9acd881a0e8150, on "
            "@user_script:1.\r\n");
  EXPECT_EQ(
      Eval("error({err='CUSTOM boom'})"),
      "-CUSTOM boom script: 04d39340f134fecca222bb279e1aa1d64359c655, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("error()"),
            "-ERR nil script: aca90d914519fdb9825352bdc0befb59f7c8510f, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return ("),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  EXPECT_EQ(Eval("return redis.sha1hex()"),
            "-ERR wrong number of arguments script: 3c7ce947ae74a835cc575b6ee87fb27503cb7ba4, on "
            "@user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.log()"),
            "-ERR redis.log() requires two arguments or more. script: "
            "28e28bf25123668ac541f5eec91bf7ad3d2fe0bd, on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.error_reply(3)"), "-ERR wrong number or type of arguments\r\n");
  // redis-server 7.0.15 crashes on these two (a NULL message); here they are plain errors.
  EXPECT_EQ(Eval("error({})").substr(0, 27), "-ERR unknown error script: ");
  EXPECT_EQ(Eval("error({err=5})").substr(0, 10), "-5 script:");
}

TEST_F(ScriptEngineTest, RedisHelpers) {
  EXPECT_EQ(Eval("return redis.error_reply('oops')"), "-ERR oops\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('-X oops')"), "-X oops\r\n");
  EXPECT_EQ(Eval("return redis.status_reply('PONGY')"), "+PONGY\r\n");
  EXPECT_EQ(Eval("return redis.sha1hex('')"),
            "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(Eval("return redis.REDIS_VERSION"), "$6\r\n7.0.15\r\n");
  EXPECT_EQ(Eval("return redis.setresp(3)"), "$-1\r\n");
  EXPECT_EQ(Eval("redis.log(redis.LOG_WARNING, 'hello\\r\\nworld', 7)"), "$-1\r\n");
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_EQ(logs_[0].first, 3);
  EXPECT_EQ(logs_[0].second, "hello\\x0D\\x0Aworld 7");  // no raw control byte reaches the log
}

TEST_F(ScriptEngineTest, MathRandomFollowsRedisSequence) {
  // A fresh redis-server 7.0.15 answered these three in a row (no reseeding between scripts).
  EXPECT_EQ(Eval("return math.random()"), ":0\r\n");
  EXPECT_EQ(Eval("return tostring(math.random())"), "$16\r\n0.84048536971234\r\n");
  EXPECT_EQ(Eval("return math.random(100)"), ":36\r\n");
  EXPECT_EQ(Eval("math.randomseed(7); return tostring(math.random())"),
            "$16\r\n0.26644419658298\r\n");
}

TEST_F(ScriptEngineTest, EvalshaAndScriptLoad) {
  const std::string sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Run({"EVALSHA", "abc", "x"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Run({"EVALSHA", std::string(40, 'f'), "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "return 1"}), "$40\r\n" + sha + "\r\n");
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), ":1\r\n");
  EXPECT_EQ(Run({"evalsha", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"}), ":1\r\n");
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", sha, "ffff"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "return ("}),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  // EVAL caches too: EVALSHA finds a script first sent by EVAL.
  EXPECT_EQ(Eval("return 2"), ":2\r\n");
  EXPECT_EQ(Run({"EVALSHA", scripting::Sha1Hex("return 2"), "0"}), ":2\r\n");
  EXPECT_EQ(Run({"SCRIPT", "FLUSH"}), "+OK\r\n");
  EXPECT_EQ(Run({"SCRIPT", "EXISTS", sha}), "*1\r\n:0\r\n");
  EXPECT_EQ(Run({"EVALSHA", sha, "0"}), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
  EXPECT_EQ(Run({"SCRIPT", "flush", "async"}), "+OK\r\n");
}

TEST_F(ScriptEngineTest, ScriptSubcommandErrors) {
  EXPECT_EQ(Run({"SCRIPT", "EXISTS"}),
            "-ERR wrong number of arguments for 'script|exists' command\r\n");
  EXPECT_EQ(Run({"SCRIPT", "FLUSH", "bogus"}),
            "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
  EXPECT_EQ(Run({"SCRIPT", "FLUSH", "SYNC", "x"}),
            "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
  EXPECT_EQ(Run({"SCRIPT", "bogus"}), "-ERR unknown subcommand 'bogus'. Try SCRIPT HELP.\r\n");
  EXPECT_EQ(Run({"SCRIPT"}), "-ERR wrong number of arguments for 'script' command\r\n");
  EXPECT_EQ(Run({"SCRIPT", "LOAD"}),
            "-ERR wrong number of arguments for 'script|load' command\r\n");
  EXPECT_EQ(Run({"SCRIPT", "LOAD", "a", "b"}),
            "-ERR wrong number of arguments for 'script|load' command\r\n");
  EXPECT_EQ(Run({"SCRIPT", "KILL"}), "-NOTBUSY No scripts in execution right now.\r\n");
  EXPECT_EQ(Run({"SCRIPT", "KILL", "x"}),
            "-ERR wrong number of arguments for 'script|kill' command\r\n");
  EXPECT_EQ(Run({"SCRIPT", "help", "x"}),
            "-ERR wrong number of arguments for 'script|help' command\r\n");
  const std::string help = Run({"SCRIPT", "HELP"});
  EXPECT_EQ(help.substr(0, 71),
            "*17\r\n+SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n");
  EXPECT_TRUE(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
}

TEST_F(ScriptEngineTest, ReadOnlyScripts) {
  EXPECT_EQ(Run({"EVAL_RO", "return redis.call('set','a','b')", "0"}),
            "-ERR Write commands are not allowed from read-only scripts. script: "
            "ff967d0ae0e68b4f9e360fa91c54598bc25ad9b6, on @user_script:1.\r\n");
  EXPECT_FALSE(redis_.Has("a"));
  EXPECT_EQ(Run({"EVAL_RO", "return redis.call('get','a')", "0"}), "$-1\r\n");
  EXPECT_EQ(Eval("#!lua flags=no-writes\nreturn redis.call('set','a','b')"),
            "-ERR Write commands are not allowed from read-only scripts. script: "
            "6acb400a50fe96e33eca4e0af6e9dcfb21193726, on @user_script:2.\r\n");
  EXPECT_EQ(Run({"EVAL_RO", "#!lua\nreturn 1", "0"}),
            "-ERR Can not execute a script with write flag using *_ro command.\r\n");
}

TEST_F(ScriptEngineTest, Shebang) {
  EXPECT_EQ(Eval("#!lua\nreturn 1"), ":1\r\n");
  EXPECT_EQ(Eval("#!lua flags=bogus\nreturn 1"),
            "-ERR Unexpected flag in script shebang: bogus\r\n");
  EXPECT_EQ(Eval("#!python\nreturn 1"), "-ERR Unexpected engine in script shebang: #!python\r\n");
  EXPECT_EQ(Eval("#!lua x=1\nreturn 1"), "-ERR Unknown lua shebang option: x=1\r\n");
  EXPECT_EQ(Eval("#!lua"), "-ERR Invalid script shebang\r\n");
  EXPECT_EQ(
      Eval("#!lua\nreturn y"),
      "-ERR user_script:2: Script attempted to access nonexistent global variable 'y' script: "
      "80b870281dfdaf57d0f0f2c30e34dbb7de3a3705, on @user_script:2.\r\n");
}

// django-redis 5.2's incr/decr (DefaultClient._incr), as sent on every call.
TEST_F(ScriptEngineTest, DjangoRedisIncr) {
  const std::string incr = R"(
                    local exists = redis.call('EXISTS', KEYS[1])
                    if (exists == 1) then
                        return redis.call('INCRBY', KEYS[1], ARGV[1])
                    else return false end
                    )";
  EXPECT_EQ(Eval(incr, {":1:num"}, {"1"}), "$-1\r\n");  // missing: django raises ValueError
  redis_.Put(":1:num", "41");
  EXPECT_EQ(Eval(incr, {":1:num"}, {"1"}), ":42\r\n");
  EXPECT_EQ(Eval(incr, {":1:num"}, {"-50"}), ":-8\r\n");
  redis_.Put(":1:num", "\x80\x04pickled");
  EXPECT_EQ(Eval(incr, {":1:num"}, {"1"}).substr(0, 50),
            "-ERR value is not an integer or out of range scrip");
  EXPECT_EQ(Eval("\n                    return redis.call('INCRBY', KEYS[1], ARGV[1])\n            "
                 "        ",
                 {"fresh"}, {"5"}),
            ":5\r\n");
}

// redis-py 4.3's Lock scripts (redis/lock.py), run the way redis-py runs them: EVALSHA, then
// SCRIPT LOAD and EVALSHA again on NOSCRIPT.
TEST_F(ScriptEngineTest, RedisPyLockScripts) {
  const std::string release = R"(
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('del', KEYS[1])
        return 1
    )";
  const std::string extend = R"(
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        local expiration = redis.call('pttl', KEYS[1])
        if not expiration then
            expiration = 0
        end
        if expiration < 0 then
            return 0
        end

        local newttl = ARGV[2]
        if ARGV[3] == "0" then
            newttl = ARGV[2] + expiration
        end
        redis.call('pexpire', KEYS[1], newttl)
        return 1
    )";
  const std::string reacquire = R"(
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('pexpire', KEYS[1], ARGV[2])
        return 1
    )";
  auto call_script = [&](const std::string& body, std::vector<std::string> argv) {
    const std::string sha = scripting::Sha1Hex(body);
    Argv cmd{"EVALSHA", sha, "1"};
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    std::string r = Run(cmd);
    if (r.starts_with("-NOSCRIPT")) {
      EXPECT_EQ(Run({"SCRIPT", "LOAD", body}), "$40\r\n" + sha + "\r\n");
      r = Run(cmd);
    }
    return r;
  };
  redis_.Put("lock:x", "token1");
  redis_({"pexpire", "lock:x", "10000"});
  EXPECT_EQ(call_script(extend, {"lock:x", "token1", "5000", "0"}), ":1\r\n");
  EXPECT_EQ(Resp2(redis_({"pttl", "lock:x"})), ":15000\r\n");
  EXPECT_EQ(call_script(extend, {"lock:x", "token1", "3000", "1"}), ":1\r\n");
  EXPECT_EQ(Resp2(redis_({"pttl", "lock:x"})), ":3000\r\n");
  EXPECT_EQ(call_script(reacquire, {"lock:x", "token1", "8000"}), ":1\r\n");
  EXPECT_EQ(Resp2(redis_({"pttl", "lock:x"})), ":8000\r\n");
  EXPECT_EQ(call_script(extend, {"lock:x", "other", "1000", "0"}), ":0\r\n");
  EXPECT_EQ(call_script(release, {"lock:x", "other"}), ":0\r\n");
  EXPECT_TRUE(redis_.Has("lock:x"));
  EXPECT_EQ(call_script(release, {"lock:x", "token1"}), ":1\r\n");
  EXPECT_FALSE(redis_.Has("lock:x"));
  EXPECT_EQ(call_script(release, {"lock:x", "token1"}), ":0\r\n");
}

TEST_F(ScriptEngineTest, ExecuteFromInsideCallIsRefused) {
  ScriptEngine::Call reenter = [this](const Argv&) {
    return engine_.Execute({"EVAL", "return 1", "0"}, call_);
  };
  EXPECT_EQ(Resp2(engine_.Execute({"EVAL", "return redis.pcall('eval')", "0"}, reenter)),
            "-ERR This Redis command is not allowed from script\r\n");
  EXPECT_EQ(Eval("return 1"), ":1\r\n");  // and the engine is not left locked
}

TEST_F(ScriptEngineTest, ThrowingCallBecomesAnError) {
  ScriptEngine::Call thrower = [](const Argv&) -> Reply {
    throw std::runtime_error("disk on fire");
  };
  EXPECT_EQ(Resp2(engine_.Execute({"EVAL", "return redis.pcall('get','a')", "0"}, thrower)),
            "-ERR disk on fire\r\n");
  ScriptEngine::Call odd = [](const Argv&) -> Reply { throw 42; };
  EXPECT_EQ(Resp2(engine_.Execute({"EVAL", "return redis.pcall('get','a')", "0"}, odd)),
            "-ERR the command failed with an unknown exception\r\n");
  EXPECT_EQ(Eval("return 1"), ":1\r\n");
}

TEST_F(ScriptEngineTest, HandlesItsCommandsOnly) {
  EXPECT_TRUE(ScriptEngine::Handles("EvalSha_RO"));
  EXPECT_TRUE(ScriptEngine::Handles("script"));
  EXPECT_FALSE(ScriptEngine::Handles("fcall"));
  EXPECT_EQ(Run({"GET", "x"}), "-ERR unknown command\r\n");
}

}  // namespace
}  // namespace apicached::redis::testing
