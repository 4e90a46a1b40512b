// The executor on the real cache layer and store (temp dir, FakeClock), driven by protocol bytes
// as a session drives it, without sockets. Expected replies are memcached 1.6.18's, recorded
// from the real server; the few differences are in docs/memcached.md.
#include "memcached/executor.h"

#include <gtest/gtest.h>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "memcached/parser.h"
#include "storage/store.h"
#include "tests/support/small_store.h"
#include "tests/support/temp_dir.h"

namespace apicached::memcached {
namespace {

using namespace std::chrono_literals;

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = apicached::testing::OpenSmallStore(dir_, clock_);
    ASSERT_NE(store_, nullptr);
    cache_ = std::make_unique<cache::CacheService>(*store_, clock_);
    mapping_ = std::make_unique<KeyMapping>(KeyMappingOptions{"default", {"migo"}});
    executor_ = std::make_unique<Executor>(*cache_, *mapping_, ExecutorOptions{});
    parser_.max_item_bytes = 1000;
  }

  // Parses and runs every command in `input`, as a session does; returns the bytes answered.
  std::string Run(const std::string& input) {
    std::string out;
    std::string_view rest = input;
    Request req;
    while (!rest.empty()) {
      const ParseResult r = Parse(rest, parser_, req);
      if (r.kind == ParseResult::Kind::kNeedMore) break;
      out.append(r.reply);
      if (r.kind == ParseResult::Kind::kClose) {
        out.append("<closed>");
        break;
      }
      if (r.kind == ParseResult::Kind::kCommand &&
          executor_->Execute(req, out) == Executor::After::kClose) {
        out.append("<closed>");
        break;
      }
      rest.remove_prefix(r.consumed);
      rest.remove_prefix(std::min<size_t>(r.swallow, rest.size()));
    }
    return out;
  }

  // The cas unique of key, read with gets.
  std::string CasOf(const std::string& key) {
    const std::string out = Run("gets " + key + "\r\n");
    const size_t line_end = out.find("\r\n");
    const size_t last_space = out.rfind(' ', line_end);
    return out.substr(last_space + 1, line_end - last_space - 1);
  }

  testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<cache::CacheService> cache_;
  std::unique_ptr<KeyMapping> mapping_;
  std::unique_ptr<Executor> executor_;
  ParserOptions parser_;
};

TEST_F(ExecutorTest, SetThenGetManyKeys) {
  EXPECT_EQ(Run("set a 5 0 3\r\nabc\r\nget a b a\r\n"),
            "STORED\r\nVALUE a 5 3\r\nabc\r\nVALUE a 5 3\r\nabc\r\nEND\r\n");
}

// One command line can name a large value many times; its answer is bounded (it was built
// whole before: 300,000 copies of a 1 MiB value from one 1 MiB line).
TEST_F(ExecutorTest, GetAnswerPastItsBoundIsMemcachedsOutOfMemoryError) {
  ExecutorOptions small;
  small.max_get_response_bytes = 10'000;
  executor_ = std::make_unique<Executor>(*cache_, *mapping_, small);
  const std::string value(900, 'v');
  ASSERT_EQ(Run("set big 0 0 900\r\n" + value + "\r\n"), "STORED\r\n");
  std::string ten = "get";
  for (int i = 0; i < 10; ++i) ten += " big";
  std::string block;
  for (int i = 0; i < 10; ++i) block += "VALUE big 0 900\r\n" + value + "\r\n";
  EXPECT_EQ(Run(ten + "\r\n"), block + "END\r\n");  // 9,240 bytes: under the bound
  std::string many = "gets";
  for (size_t i = 0; i < 3 * Executor::kRetrieveBatchKeys; ++i) many += " big";
  EXPECT_EQ(Run(many + "\r\nmn\r\n"), "SERVER_ERROR out of memory writing get response\r\nMN\r\n");
  EXPECT_EQ(Run("gat 0" + many.substr(4) + "\r\n"),
            "SERVER_ERROR out of memory writing get response\r\n");
}

TEST_F(ExecutorTest, NoreplyAnswersNothing) {
  EXPECT_EQ(Run("set a 0 0 1 noreply\r\nx\r\ndelete a noreply\r\ndelete a noreply\r\nmn\r\n"),
            "MN\r\n");
}

TEST_F(ExecutorTest, BinaryValuesAndFlagsComeBackUnchanged) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  EXPECT_EQ(Run("set b 4294967295 0 256\r\n" + value + "\r\nget b\r\n"),
            "STORED\r\nVALUE b 4294967295 256\r\n" + value + "\r\nEND\r\n");
}

TEST_F(ExecutorTest, AddReplaceAppendPrepend) {
  EXPECT_EQ(Run("add a2 0 0 1\r\nx\r\nadd a2 0 0 1\r\ny\r\nreplace nokey 0 0 1\r\nx\r\n"
                "replace a2 0 0 1\r\nz\r\nget a2\r\n"),
            "STORED\r\nNOT_STORED\r\nNOT_STORED\r\nSTORED\r\nVALUE a2 0 1\r\nz\r\nEND\r\n");
  EXPECT_EQ(Run("append nokey 0 0 1\r\nx\r\nprepend nokey 0 0 1\r\nx\r\nset ap 5 0 1\r\nb\r\n"
                "append ap 9 0 1\r\nc\r\nprepend ap 9 0 1\r\na\r\nget ap\r\n"),
            "NOT_STORED\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nVALUE ap 5 3\r\nabc\r\n"
            "END\r\n");
}

TEST_F(ExecutorTest, Cas) {
  Run("set c 0 0 1\r\nx\r\n");
  const std::string unique = CasOf("c");
  EXPECT_EQ(Run("cas c 0 0 1 999999\r\ny\r\ncas nokey 0 0 1 1\r\ny\r\n"),
            "EXISTS\r\nNOT_FOUND\r\n");
  EXPECT_EQ(Run("cas c 3 0 1 " + unique + "\r\nz\r\nget c\r\n"),
            "STORED\r\nVALUE c 3 1\r\nz\r\nEND\r\n");
  EXPECT_NE(CasOf("c"), unique);
}

TEST_F(ExecutorTest, IncrDecrWrapAndFloor) {
  EXPECT_EQ(Run("set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\n"
                "incr n 1\r\n"),
            "STORED\r\n15\r\n0\r\n18446744073709551615\r\n0\r\n");
  EXPECT_EQ(Run("incr nokey 1\r\ndecr nokey 1\r\n"), "NOT_FOUND\r\nNOT_FOUND\r\n");
  EXPECT_EQ(Run("set s 0 0 3\r\nabc\r\nincr s 1\r\ndecr s 1\r\n"),
            "STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
            "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(Run("set n 7 0 3\r\n100\r\ndecr n 1\r\nget n\r\n"),
            "STORED\r\n99\r\nVALUE n 7 3\r\n99 \r\nEND\r\n");
}

TEST_F(ExecutorTest, ExpiryAsMemcached) {
  EXPECT_EQ(Run("set a 0 -1 1\r\nx\r\nget a\r\n"), "STORED\r\nEND\r\n");
  EXPECT_EQ(Run("set r 0 100 1\r\nx\r\nget r\r\n"), "STORED\r\nVALUE r 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(100s);
  EXPECT_EQ(Run("get r\r\n"), "END\r\n");
  // Past 30 days an exptime is a Unix time.
  const int64_t now = clock_.NowMillis() / 1000;
  EXPECT_EQ(Run("set abs 0 " + std::to_string(now + 50) + " 1\r\nx\r\nset old 0 " +
                std::to_string(now - 1) + " 1\r\nx\r\nget abs old\r\n"),
            "STORED\r\nSTORED\r\nVALUE abs 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(51s);
  EXPECT_EQ(Run("get abs\r\n"), "END\r\n");
  EXPECT_EQ(Run("set z 0 0 1\r\nx\r\n"), "STORED\r\n");
  clock_.Advance(1000 * 24h);
  EXPECT_EQ(Run("get z\r\n"), "VALUE z 0 1\r\nx\r\nEND\r\n");
}

TEST_F(ExecutorTest, TouchAndGat) {
  EXPECT_EQ(Run("set t 3 10 1\r\nx\r\ntouch t 100\r\ntouch nokey 100\r\n"),
            "STORED\r\nTOUCHED\r\nNOT_FOUND\r\n");
  clock_.Advance(50s);
  EXPECT_EQ(Run("gat 200 t nokey t\r\n"), "VALUE t 3 1\r\nx\r\nVALUE t 3 1\r\nx\r\nEND\r\n");
  clock_.Advance(150s);
  EXPECT_EQ(Run("get t\r\n"), "VALUE t 3 1\r\nx\r\nEND\r\n");
  clock_.Advance(51s);
  EXPECT_EQ(Run("get t\r\n"), "END\r\n");
  EXPECT_EQ(Run("gat 100\r\n"), "END\r\n");
}

TEST_F(ExecutorTest, Delete) {
  EXPECT_EQ(Run("set d 0 0 1\r\nx\r\ndelete d\r\ndelete d\r\ndelete d 0\r\n"),
            "STORED\r\nDELETED\r\nNOT_FOUND\r\nNOT_FOUND\r\n");
}

TEST_F(ExecutorTest, TooLargeSetSwallowsTheBlockAndDropsTheOldValue) {
  const std::string big(1001, 'x');
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nset a 0 0 1001\r\n" + big + "\r\nget a\r\n"),
            "STORED\r\nSERVER_ERROR object too large for cache\r\nEND\r\n");
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nset a 0 0 1001 noreply\r\n" + big + "\r\nget a\r\n"),
            "STORED\r\nEND\r\n");
  // add keeps the old value, as memcached does.
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nadd a 0 0 1001\r\n" + big + "\r\nget a\r\n"),
            "STORED\r\nSERVER_ERROR object too large for cache\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
}

TEST_F(ExecutorTest, KeysLandInTheirMappedNamespace) {
  EXPECT_EQ(Run("set :1:migo:ruc 0 0 1\r\nm\r\nset plain 0 0 1\r\np\r\n"), "STORED\r\nSTORED\r\n");
  auto in_migo = cache_->Get(cache::Protocol::kHttp, "migo", ":1:migo:ruc");
  ASSERT_TRUE(in_migo.ok()) << in_migo.status().ToString();
  EXPECT_EQ(in_migo->value, "m");
  EXPECT_TRUE(cache_->Get(cache::Protocol::kHttp, "default", "plain").ok());
  EXPECT_EQ(cache_->Get(cache::Protocol::kHttp, "default", ":1:migo:ruc").code(), Code::kNotFound);
}

TEST_F(ExecutorTest, FlushAllClearsTheMappedNamespacesOnly) {
  ASSERT_TRUE(
      cache_->Set(cache::Protocol::kHttp, "other", "k", "v", 0, cache::Expiry::Never()).ok());
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nset migo:b 0 0 1\r\ny\r\nflush_all\r\nget a migo:b\r\n"),
            "STORED\r\nSTORED\r\nOK\r\nEND\r\n");
  EXPECT_TRUE(cache_->Get(cache::Protocol::kHttp, "other", "k").ok());
}

TEST_F(ExecutorTest, DelayedFlushAll) {
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all 10\r\nget a\r\n"),
            "STORED\r\nOK\r\nVALUE a 0 1\r\nx\r\nEND\r\n");
  clock_.Advance(10s);
  EXPECT_EQ(Run("get a\r\n"), "END\r\n");
  EXPECT_EQ(Run("set a 0 0 1\r\nx\r\nflush_all 10 noreply\r\nflush_all 0\r\nget a\r\n"),
            "STORED\r\nOK\r\nEND\r\n");
}

TEST_F(ExecutorTest, VersionVerbosityQuit) {
  EXPECT_EQ(Run("version\r\nverbosity 1\r\nverbosity 1 noreply\r\nquit\r\nversion\r\n"),
            "VERSION 1.6.18-apicached\r\nOK\r\n<closed>");
}

TEST_F(ExecutorTest, Stats) {
  Run("set a 0 0 1\r\nx\r\nget a b\r\n");
  const std::string general = Run("stats\r\n");
  EXPECT_NE(general.find("STAT cmd_get 2\r\n"), std::string::npos) << general;
  EXPECT_NE(general.find("STAT get_hits 1\r\n"), std::string::npos) << general;
  EXPECT_NE(general.find("STAT get_misses 1\r\n"), std::string::npos) << general;
  EXPECT_NE(general.find("STAT cmd_set 1\r\n"), std::string::npos) << general;
  EXPECT_TRUE(general.ends_with("END\r\n"));
  const std::string settings = Run("stats settings\r\n");
  EXPECT_NE(settings.find("STAT namespace_keys migo\r\n"), std::string::npos) << settings;
  const std::string ns = Run("stats namespaces\r\n");
  EXPECT_NE(ns.find("STAT default:curr_items "), std::string::npos) << ns;
  EXPECT_NE(ns.find("STAT migo:curr_items "), std::string::npos) << ns;
  EXPECT_EQ(Run("stats items\r\nstats bogus\r\n"), "END\r\nERROR\r\n");
}

TEST_F(ExecutorTest, MetaGetAndSet) {
  EXPECT_EQ(Run("ms m1 3 F7 T100 k O9\r\nabc\r\nmg m1\r\nmg m1 v\r\nmg m1 v k f t s\r\n"),
            "HD km1 O9\r\nHD\r\nVA 3\r\nabc\r\nVA 3 km1 f7 t100 s3\r\nabc\r\n");
  EXPECT_EQ(Run("mg nokey v\r\nmg nokey v q\r\nmg nokey k O123 q\r\nmg nokey k O1\r\nmn\r\n"),
            "EN\r\nEN knokey O1\r\nMN\r\n");
  EXPECT_EQ(Run("ms m3 2 q\r\nhi\r\nms m3 2 ME\r\nhi\r\nms m4 2 MR\r\nhi\r\nms m3 1 MA\r\n!\r\n"
                "ms m3 1 MP\r\n<\r\nmg m3 v\r\n"),
            "NS\r\nNS\r\nHD\r\nHD\r\nVA 4\r\n<hi!\r\n");
  EXPECT_EQ(Run("ms m5 2 C1\r\nhi\r\nms m3 2 C1\r\nhi\r\n"), "NF\r\nEX\r\n");
  EXPECT_EQ(Run("ms m6 2 T-1\r\nhi\r\nmg m6 v\r\n"), "HD\r\nEN\r\n");
  EXPECT_EQ(Run("mg m1 T30 v t\r\nmg m1 T-1 v\r\nmg m1 v\r\n"),
            "VA 3 t30\r\nabc\r\nVA 3\r\nabc\r\nEN\r\n");
}

TEST_F(ExecutorTest, MetaCasValues) {
  Run("ms c1 2\r\nhi\r\n");
  const std::string unique = CasOf("c1");
  EXPECT_EQ(Run("mg c1 c\r\n"), "HD c" + unique + "\r\n");
  EXPECT_EQ(Run("ms c1 2 C" + unique + " q\r\nho\r\nmg c1 v\r\n"), "VA 2\r\nho\r\n");
}

TEST_F(ExecutorTest, MetaBase64Keys) {
  EXPECT_EQ(Run("ms Zm9v 2 b\r\nhi\r\nmg foo v\r\nmg Zm9v b v k\r\n"),
            "HD\r\nVA 2\r\nhi\r\nVA 2 kZm9v b\r\nhi\r\n");
}

TEST_F(ExecutorTest, MetaVivifyWinsOnce) {
  EXPECT_EQ(Run("mg newkey N30 v t\r\nmg newkey N30 v t\r\nmg newkey v\r\n"),
            "VA 0 t30 W\r\n\r\nVA 0 t30 Z\r\n\r\nVA 0 Z\r\n\r\n");
  // A new write is a new item: no marks.
  EXPECT_EQ(Run("ms newkey 1\r\nx\r\nmg newkey v\r\n"), "HD\r\nVA 1\r\nx\r\n");
}

TEST_F(ExecutorTest, MetaRecacheWinsBelowTheThreshold) {
  EXPECT_EQ(Run("ms mr 2 T10\r\nhi\r\nmg mr R30 v\r\nmg mr R30 v\r\nmg mr v\r\n"),
            "HD\r\nVA 2 W\r\nhi\r\nVA 2 Z\r\nhi\r\nVA 2 Z\r\nhi\r\n");
  EXPECT_EQ(Run("ms far 2 T100\r\nhi\r\nmg far R30 v\r\n"), "HD\r\nVA 2\r\nhi\r\n");
}

TEST_F(ExecutorTest, MetaDeleteInvalidateMarksStale) {
  Run("ms m9 2\r\nhi\r\n");
  const std::string before = CasOf("m9");
  EXPECT_EQ(Run("md m9 I T30\r\n"), "HD\r\n");
  const std::string after = CasOf("m9");
  EXPECT_NE(after, before);  // memcached bumps the cas
  EXPECT_EQ(Run("mg m9 v c t\r\nmg m9 v c\r\n"),
            "VA 2 c" + after + " t30 X W\r\nhi\r\nVA 2 c" + after + " Z X\r\nhi\r\n");
  EXPECT_EQ(Run("md nokey I\r\n"), "NF\r\n");
}

TEST_F(ExecutorTest, MetaSetInvalidateAcceptsAnOlderCasAsStale) {
  Run("ms s1 2\r\nhi\r\n");
  const std::string first = CasOf("s1");
  Run("ms s1 2\r\nho\r\n");
  EXPECT_EQ(Run("ms s1 2 C" + first + "\r\nno\r\n"), "EX\r\n");
  EXPECT_EQ(Run("ms s1 2 I C" + first + "\r\nst\r\nmg s1 v\r\n"), "HD\r\nVA 2 X W\r\nst\r\n");
}

TEST_F(ExecutorTest, MetaDelete) {
  Run("ms m8 2\r\nhi\r\n");
  const std::string unique = CasOf("m8");
  EXPECT_EQ(Run("md m8 C" + unique + "9\r\nmd m8 C" + unique + " q\r\nmd m8\r\nmd m8 k O5 q\r\n"),
            "EX\r\nNF\r\nNF km8 O5\r\n");
}

TEST_F(ExecutorTest, MetaArithmetic) {
  EXPECT_EQ(Run("ma nokey\r\nma nokey N0 J13 v\r\nma nokey v\r\nma nokey MD D20 v t\r\n"
                "ma nokey q\r\nmn\r\n"),
            "NF\r\nVA 2\r\n13\r\nVA 2\r\n14\r\nVA 1 t-1\r\n0\r\nMN\r\n");
  EXPECT_EQ(Run("ms mn1 3\r\nabc\r\nma mn1\r\n"),
            "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  EXPECT_EQ(Run("ma m10 N100 J5 v t\r\nma m10 T0 v t\r\n"), "VA 1 t100\r\n5\r\nVA 1 t-1\r\n6\r\n");
}

TEST_F(ExecutorTest, MetaDebug) {
  Run("ms m2 3 T100\r\nxyz\r\n");
  const std::string unique = CasOf("m2");
  EXPECT_EQ(Run("me m2\r\nme nokey\r\n"),
            "ME m2 exp=-100 la=0 cas=" + unique + " fetch=no cls=1 size=3\r\nEN\r\n");
}

}  // namespace
}  // namespace apicached::memcached
