// The executor on the real cache layer and store (temp dir, FakeClock), driven by inline
// commands as a session drives it, without sockets. Expected replies are redis-server 7.0.15's
// (recorded side by side); the differences are listed in docs/redis.md.
#include "redis/executor.h"

#include <gtest/gtest.h>

#include <set>

#include "cache/cache_service.h"
#include "redis/resp_parser.h"
#include "redis/resp_writer.h"
#include "storage/store.h"
#include "tests/support/small_store.h"
#include "tests/support/temp_dir.h"

namespace apicached::redis {
namespace {

using namespace std::chrono_literals;

class TokenAuth final : public Authenticator {
 public:
  bool Required() const override { return true; }
  bool Check(std::string_view, std::string_view password) const override {
    return password == "s3cret";
  }
};

class RedisExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(nullptr, {}); }

  void Open(const Authenticator* auth, ScriptRunner scripts) {
    executor_.reset();
    cache_.reset();
    store_.reset();
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    DatabasesOptions d;
    d.namespaces = {{0, "default"}, {1, "other"}};
    d.key_namespaces = {"migo"};
    databases_ = std::make_unique<Databases>(d);
    ExecutorOptions e;
    e.scripts = std::move(scripts);
    executor_ = std::make_unique<Executor>(*cache_, *databases_, auth, std::move(e));
    client_ = executor_->NewClient();
  }

  // Runs every inline command in `lines` on `client`; returns the RESP bytes answered.
  std::string Run(const std::string& lines, ClientState* client = nullptr) {
    ClientState& c = client != nullptr ? *client : client_;
    RespParser parser;
    std::string in = lines + "\r\n", out;
    Argv argv;
    while (true) {
      auto r = parser.Parse(in, !c.authenticated, argv);
      in.erase(0, r.consumed);
      if (r.kind != RespParser::Result::Kind::kCommand) break;
      const Reply reply = executor_->Execute(c, argv);
      AppendReply(reply, c.resp, out);
    }
    return out;
  }

  // A dialogue: each command (run in turn on client_) and the reply expected.
  void ExpectReplies(std::initializer_list<std::pair<std::string, std::string>> dialogue) {
    for (const auto& [command, reply] : dialogue) EXPECT_EQ(Run(command), reply) << command;
  }

  bool InNamespace(std::string_view ns, std::string_view key) {
    return cache_->Get(cache::Protocol::kRedis, ns, key).ok();
  }

  apicached::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  std::unique_ptr<Databases> databases_;
  std::unique_ptr<Executor> executor_;
  ClientState client_;
};

TEST_F(RedisExecutorTest, SetAndGetWithOptions) {
  ExpectReplies({
      {"GET k", "$-1\r\n"},
      {"SET k v", "+OK\r\n"},
      {"GET k", "$1\r\nv\r\n"},
      {"SET k w NX", "$-1\r\n"},
      {"SET k w XX GET", "$1\r\nv\r\n"},
      {"SET new w XX", "$-1\r\n"},
      {"SET new w NX GET", "$-1\r\n"},
      {"GET new", "$1\r\nw\r\n"},
      {"SET k v NX XX", "-ERR syntax error\r\n"},
      {"SET k v EX 10 PX 10", "-ERR syntax error\r\n"},
      {"SET k v KEEPTTL EX 5", "-ERR syntax error\r\n"},
      {"SET k v EX 0", "-ERR invalid expire time in 'set' command\r\n"},
      {"SET k v EX x", "-ERR value is not an integer or out of range\r\n"},
      {"SET k", "-ERR wrong number of arguments for 'set' command\r\n"},
      {"SETNX k v", ":0\r\n"},
      {"GETSET k z", "$1\r\nw\r\n"},
      {"GETDEL k", "$1\r\nz\r\n"},
      {"GETDEL k", "$-1\r\n"},
      {"MSET a 1 b 2", "+OK\r\n"},
      {"MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n"},
      {"MGET a nope b", "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n"},
      {"MSETNX a 9 c 3", ":0\r\n"},
      {"MSETNX c 3 d 4", ":1\r\n"},
      {"APPEND c xy", ":3\r\n"},
      {"STRLEN c", ":3\r\n"},
      {"DEL a a b zz", ":2\r\n"},
      {"EXISTS c c zz", ":2\r\n"},
      {"TYPE c", "+string\r\n"},
      {"TYPE zz", "+none\r\n"},
  });
}

TEST_F(RedisExecutorTest, ExpiryEdgesOnTheFakeClock) {
  EXPECT_EQ(Run("SET k v EX 10"), "+OK\r\n");
  EXPECT_EQ(Run("TTL k"), ":10\r\n");
  EXPECT_EQ(Run("PTTL k"), ":10000\r\n");
  clock_.Advance(9999ms);
  EXPECT_EQ(Run("PTTL k"), ":1\r\n");
  EXPECT_EQ(Run("TTL k"), ":0\r\n");
  clock_.Advance(1ms);
  EXPECT_EQ(Run("GET k"), "$-1\r\n");
  EXPECT_EQ(Run("TTL k"), ":-2\r\n");
  EXPECT_EQ(Run("SET p v"), "+OK\r\n");
  EXPECT_EQ(Run("TTL p"), ":-1\r\n");
  // Millisecond deadlines are exact.
  EXPECT_EQ(Run("PEXPIRE p 1500"), ":1\r\n");
  EXPECT_EQ(Run("PTTL p"), ":1500\r\n");
  EXPECT_EQ(Run("TTL p"), ":2\r\n");
  EXPECT_EQ(Run("PSETEX ps 1500 v\r\nSET px v PX 250\r\nPTTL ps\r\nPTTL px"),
            "+OK\r\n+OK\r\n:1500\r\n:250\r\n");
  clock_.Advance(250ms);
  EXPECT_EQ(Run("GET px\r\nPTTL ps"), "$-1\r\n:1250\r\n");
  EXPECT_EQ(Run("EXPIRE p 100 NX"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE p 100 GT"), ":1\r\n");
  EXPECT_EQ(Run("EXPIRE p 50 GT"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE p 50 LT"), ":1\r\n");
  EXPECT_EQ(Run("EXPIRE p 50 NX XX"),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(Run("EXPIRE p 50 FOO"), "-ERR Unsupported option FOO\r\n");
  EXPECT_EQ(Run("PERSIST p"), ":1\r\n");
  EXPECT_EQ(Run("PERSIST p"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE p 100 XX"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE p -1"), ":1\r\n");
  EXPECT_EQ(Run("EXISTS p"), ":0\r\n");
  EXPECT_EQ(Run("EXPIRE nokey 10"), ":0\r\n");
  // An absolute deadline stays exact, whatever the time inside the current second.
  clock_.Advance(700ms);
  const int64_t at = clock_.NowMillis() / 1000 + 100;
  EXPECT_EQ(Run("SET a v EXAT " + std::to_string(at)), "+OK\r\n");
  EXPECT_EQ(Run("EXPIRETIME a"), ":" + std::to_string(at) + "\r\n");
  EXPECT_EQ(Run("PEXPIRETIME a"), ":" + std::to_string(at * 1000) + "\r\n");
  EXPECT_EQ(Run("EXPIREAT a " + std::to_string(at + 5)), ":1\r\n");
  EXPECT_EQ(Run("EXPIRETIME a"), ":" + std::to_string(at + 5) + "\r\n");
  EXPECT_EQ(Run("SET past v EXAT 1"), "+OK\r\n");
  EXPECT_EQ(Run("EXISTS past"), ":0\r\n");
  EXPECT_EQ(Run("SETEX s 0 v"), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(Run("SETEX s 5 v"), "+OK\r\n");
  EXPECT_EQ(Run("SET s w KEEPTTL"), "+OK\r\n");
  EXPECT_EQ(Run("TTL s"), ":5\r\n");
  EXPECT_EQ(Run("GETEX s PERSIST"), "$1\r\nw\r\n");
  EXPECT_EQ(Run("TTL s"), ":-1\r\n");
  EXPECT_EQ(Run("GETEX s EX 7"), "$1\r\nw\r\n");
  EXPECT_EQ(Run("TTL s"), ":7\r\n");
  EXPECT_EQ(Run("GETEX nokey EX -1"), "$-1\r\n");
  EXPECT_EQ(Run("GETEX s EX -1"), "-ERR invalid expire time in 'getex' command\r\n");
}

TEST_F(RedisExecutorTest, IntegerAndFloatArithmetic) {
  ExpectReplies({
      {"INCR n", ":1\r\n"},
      {"INCRBY n 10", ":11\r\n"},
      {"DECRBY n 20", ":-9\r\n"},
      {"INCRBY n x", "-ERR value is not an integer or out of range\r\n"},
      {"INCRBY n 9223372036854775807", ":9223372036854775798\r\n"},
      {"INCRBY n 10", "-ERR increment or decrement would overflow\r\n"},
      {"DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n"},
      {"SET s \" 1\"", "+OK\r\n"},
      {"INCR s", "-ERR value is not an integer or out of range\r\n"},
      {"SET f 1.5", "+OK\r\n"},
      {"INCRBYFLOAT f 0.1", "$3\r\n1.6\r\n"},
      {"INCRBYFLOAT f -1.6", "$1\r\n0\r\n"},
      {"INCRBYFLOAT nf 3.0e3", "$4\r\n3000\r\n"},
      {"INCRBYFLOAT f abc", "-ERR value is not a valid float\r\n"},
      // A counter keeps its expiry.
      {"SET c 1 EX 100", "+OK\r\n"},
      {"INCR c", ":2\r\n"},
      {"TTL c", ":100\r\n"},
  });
}

TEST_F(RedisExecutorTest, UnknownCommandsAndArity) {
  EXPECT_EQ(Run("HSET h f v"),
            "-ERR unknown command 'HSET', with args beginning with: 'h' 'f' 'v' \r\n");
  EXPECT_EQ(Run("LPUSH"), "-ERR unknown command 'LPUSH', with args beginning with: \r\n");
  EXPECT_EQ(Run("CLIENT FOO"), "-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(Run("CLIENT"), "-ERR wrong number of arguments for 'client' command\r\n");
  EXPECT_EQ(Run("CLIENT SETNAME"),
            "-ERR wrong number of arguments for 'client|setname' command\r\n");
  EXPECT_EQ(Run("EVAL x 0"), "-ERR unknown command 'EVAL', with args beginning with: 'x' '0' \r\n");
  EXPECT_EQ(Run("PING a b"), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(Run("PING"), "+PONG\r\n");
  EXPECT_EQ(Run("ECHO hi"), "$2\r\nhi\r\n");
}

TEST_F(RedisExecutorTest, MultiExecAndWatch) {
  EXPECT_EQ(Run("MULTI\r\nSET t 1\r\nINCR t\r\nGET t\r\nEXEC"),
            "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
  EXPECT_EQ(Run("MULTI\r\nMULTI\r\nSET t\r\nEXEC"),
            "+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR wrong number of arguments for "
            "'set' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(Run("EXEC"), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(Run("DISCARD"), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(Run("MULTI\r\nWATCH x\r\nDISCARD"),
            "+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n");
  // A write from another connection between WATCH and EXEC aborts the transaction.
  ClientState other = executor_->NewClient();
  EXPECT_EQ(Run("WATCH t\r\nMULTI\r\nSET t 5"), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(Run("SET t 9", &other), "+OK\r\n");
  EXPECT_EQ(Run("EXEC"), "*-1\r\n");
  EXPECT_EQ(Run("GET t"), "$1\r\n9\r\n");
  EXPECT_EQ(Run("WATCH t\r\nMULTI\r\nSET t 5\r\nEXEC"), "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n");
  // An expiry change is a change too.
  EXPECT_EQ(Run("WATCH t\r\nMULTI\r\nSET t 6"), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(Run("EXPIRE t 100", &other), ":1\r\n");
  EXPECT_EQ(Run("EXEC"), "*-1\r\n");
}

// Redis fails EXEC after any write that changed a watched key, also one undone before EXEC
// (redis-server 7.0.15's replies; tests/redis_py/test_server_compare.py compares them).
TEST_F(RedisExecutorTest, WatchSeesAWriteUndoneBeforeExec) {
  ClientState other = executor_->NewClient();
  EXPECT_EQ(Run("WATCH w\r\nMULTI\r\nSET w 1"), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(Run("SET w x\r\nDEL w", &other), "+OK\r\n:1\r\n");
  EXPECT_EQ(Run("EXEC\r\nGET w"), "*-1\r\n$-1\r\n");
  // The watching connection's own writes count too.
  EXPECT_EQ(Run("WATCH w\r\nSET w x\r\nDEL w\r\nMULTI\r\nSET w 1\r\nEXEC"),
            "+OK\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n");
  // A write of another front (memcached's set and delete, through the same cache layer).
  EXPECT_EQ(Run("WATCH w\r\nMULTI\r\nSET w 1"), "+OK\r\n+OK\r\n+QUEUED\r\n");
  ASSERT_TRUE(
      cache_->Set(cache::Protocol::kMemcached, "default", "w", "m", 0, cache::Expiry::Never())
          .ok());
  ASSERT_TRUE(cache_->Delete(cache::Protocol::kMemcached, "default", "w").ok());
  EXPECT_EQ(Run("EXEC"), "*-1\r\n");
  // Writes that change nothing do not: a DEL, EXPIRE or PERSIST of an absent key, a SET NX
  // that finds the key, a PERSIST or GETEX PERSIST of a key without a TTL.
  EXPECT_EQ(Run("SET p v", &other), "+OK\r\n");
  EXPECT_EQ(Run("WATCH w p\r\nMULTI\r\nSET w 1"), "+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(Run("DEL w\r\nEXPIRE w 10\r\nPERSIST w\r\nSET p z NX\r\nPERSIST p\r\n"
                "GETEX p PERSIST",
                &other),
            ":0\r\n:0\r\n:0\r\n$-1\r\n:0\r\n$1\r\nv\r\n");
  EXPECT_EQ(Run("EXEC"), "*1\r\n+OK\r\n");
  // EXEC, DISCARD and UNWATCH end the watches: later writes change nothing for this client.
  EXPECT_EQ(Run("WATCH w\r\nUNWATCH\r\nMULTI\r\nSET w 2"), "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n");
  EXPECT_EQ(Run("SET w 3", &other), "+OK\r\n");
  EXPECT_EQ(Run("EXEC"), "*1\r\n+OK\r\n");
}

TEST_F(RedisExecutorTest, DatabasesAndKeyNamespaces) {
  EXPECT_EQ(Run("SET k zero\r\nSET migo:1 m"), "+OK\r\n+OK\r\n");
  EXPECT_TRUE(InNamespace("default", "k"));
  EXPECT_TRUE(InNamespace("migo", "migo:1"));
  EXPECT_FALSE(InNamespace("default", "migo:1"));
  EXPECT_EQ(Run("SELECT 2"), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(Run("SELECT x"), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run("SELECT 1\r\nGET k\r\nSET k one\r\nGET migo:1"),
            "+OK\r\n$-1\r\n+OK\r\n$1\r\nm\r\n");
  EXPECT_TRUE(InNamespace("other", "k"));
  // FLUSHDB clears the selected database's namespaces (here other and migo), not default.
  EXPECT_EQ(Run("FLUSHDB ASYNC"), "+OK\r\n");
  EXPECT_EQ(Run("GET k\r\nSELECT 0\r\nGET k\r\nGET migo:1"), "$-1\r\n+OK\r\n$4\r\nzero\r\n$-1\r\n");
  EXPECT_EQ(Run("FLUSHDB x"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run("FLUSHALL\r\nDBSIZE"), "+OK\r\n:0\r\n");
}

// INFO keyspace as Redis writes it: keys, keys with a TTL, their mean remaining TTL (ms).
TEST_F(RedisExecutorTest, InfoKeyspaceCountsKeysWithATtl) {
  EXPECT_EQ(Run("SET a 1\r\nSET b 2\r\nSET t 3 EX 100\r\nPSETEX u 50000 4"),
            "+OK\r\n+OK\r\n+OK\r\n+OK\r\n");
  clock_.Advance(1000ms);
  const std::string info = Run("INFO keyspace");
  EXPECT_NE(info.find("# Keyspace\r\ndb0:keys=4,expires=2,avg_ttl=74000\r\n"), std::string::npos)
      << info;
  EXPECT_EQ(Run("PERSIST t\r\nDEL u\r\nDBSIZE"), ":1\r\n:1\r\n:3\r\n");
  const std::string after = Run("INFO keyspace");
  EXPECT_NE(after.find("db0:keys=3,expires=0,avg_ttl=0\r\n"), std::string::npos) << after;
}

TEST_F(RedisExecutorTest, ScanVisitsEveryMatchingKeyOnce) {
  for (int i = 0; i < 25; ++i) {
    Run("SET migo:" + std::to_string(i) + " v\r\nSET other" + std::to_string(i) + " v");
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    ClientState& c = client_;
    Argv argv = {"SCAN", cursor, "MATCH", "migo:*", "COUNT", "7"};
    Reply r = executor_->Execute(c, argv);
    ASSERT_EQ(r.kind, Reply::Kind::kArray);
    cursor = r.elements[0].text;
    for (const Reply& k : r.elements[1].elements) EXPECT_TRUE(seen.insert(k.text).second);
    ASSERT_LT(++calls, 20);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 25u);
  EXPECT_EQ(Run("SCAN x"), "-ERR invalid cursor\r\n");
  EXPECT_EQ(Run("SCAN 0 COUNT 0"), "-ERR syntax error\r\n");
  EXPECT_EQ(Run("SCAN 12345"), "*2\r\n$1\r\n0\r\n*0\r\n");
  EXPECT_EQ(Run("KEYS other1?"),
            "*10\r\n$7\r\nother10\r\n$7\r\nother11\r\n$7\r\nother12\r\n$7\r\nother13\r\n$7\r\n"
            "other14\r\n$7\r\nother15\r\n$7\r\nother16\r\n$7\r\nother17\r\n$7\r\nother18\r\n$7\r\n"
            "other19\r\n");
  EXPECT_EQ(Run("DBSIZE"), ":50\r\n");
}

TEST_F(RedisExecutorTest, AuthWithTheToken) {
  TokenAuth auth;
  Open(&auth, {});
  EXPECT_FALSE(client_.authenticated);
  EXPECT_EQ(Run("GET k"), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Run("NOPE"), "-ERR unknown command 'NOPE', with args beginning with: \r\n");
  EXPECT_EQ(Run("AUTH wrong"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Run("HELLO 3"),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time\r\n");
  EXPECT_EQ(Run("AUTH someone s3cret"),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(Run("AUTH default s3cret"), "+OK\r\n");
  EXPECT_EQ(Run("GET k"), "$-1\r\n");
  ClientState other = executor_->NewClient();
  EXPECT_EQ(Run("AUTH s3cret\r\nPING", &other), "+OK\r\n+PONG\r\n");
}

TEST_F(RedisExecutorTest, AuthWithoutATokenIsRedisNopass) {
  EXPECT_EQ(Run("AUTH x"),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(Run("AUTH a b c"), "-ERR syntax error\r\n");
}

TEST_F(RedisExecutorTest, HelloSwitchesToResp3) {
  const std::string hello = Run("HELLO 3");
  EXPECT_TRUE(
      hello.starts_with("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15"))
      << hello;
  EXPECT_EQ(Run("GET nokey"), "_\r\n");
  EXPECT_EQ(Run("HELLO 4"), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(Run("HELLO 2 SETNAME x FOO"), "-ERR Syntax error in HELLO option 'FOO'\r\n");
  EXPECT_TRUE(Run("HELLO 2").starts_with("*14\r\n"));
  EXPECT_EQ(Run("GET nokey"), "$-1\r\n");
}

TEST_F(RedisExecutorTest, ScriptsRunAloneAndCallBack) {
  Open(nullptr, [](const Argv& argv, const std::function<Reply(const Argv&)>& call) {
    if (argv[0] == "SCRIPT") return Reply::Ok();
    std::vector<Reply> out;
    out.push_back(call({"SET", "s", argv[1]}));
    out.push_back(call({"INCR", "s"}));
    out.push_back(call({"MULTI"}));
    out.push_back(call({"NOPE"}));
    out.push_back(call({"GET"}));
    out.push_back(call({"SELECT", "1"}));
    return Reply::Array(std::move(out));
  });
  EXPECT_EQ(Run("EVAL 41 0"),
            "*6\r\n+OK\r\n:42\r\n-ERR This Redis command is not allowed from script\r\n"
            "-ERR Unknown Redis command called from script\r\n"
            "-ERR Wrong number of args calling Redis command from script\r\n+OK\r\n");
  // The script's SELECT stays inside the script.
  EXPECT_EQ(Run("GET s"), "$2\r\n42\r\n");
  EXPECT_EQ(Run("MULTI\r\nEVAL 5 0\r\nEXEC"),
            "+OK\r\n+QUEUED\r\n*1\r\n*6\r\n+OK\r\n:6\r\n-ERR This Redis command is not allowed "
            "from script\r\n-ERR Unknown Redis command called from script\r\n-ERR Wrong number "
            "of args calling Redis command from script\r\n+OK\r\n");
}

// Read-only scripts refuse what the table flags write (the engine asks through IsWriteCommand).
TEST(RedisCommandTableTest, SaysWhichCommandsWrite) {
  for (const char* name : {"set", "SET", "IncrBy", "del", "unlink", "getex", "flushdb", "mset"}) {
    EXPECT_TRUE(IsWriteCommand(name)) << name;
  }
  for (const char* name : {"get", "GET", "ttl", "exists", "eval", "ping", "hset", "nosuch", ""}) {
    EXPECT_FALSE(IsWriteCommand(name)) << name;
  }
}

}  // namespace
}  // namespace apicached::redis
