// Fuzz target: the Redis scripting engine (redis/scripting/script_engine.h) on arbitrary
// scripts. The first line of the input is the script, the other lines its KEYS[1] and ARGV.
// redis.call() answers from a fake whose reply kind the script picks by command name (ok, err,
// int, bulk, nil, arr, map, set, dbl, bool, nest), so every Reply -> Lua conversion and back is
// reachable; the script runs by EVAL, then by SCRIPT LOAD + EVALSHA, then EVAL_RO.
//
// Properties: nothing crashes or hangs (a 10 ms time limit on a clock that moves 1 ms per read,
// an 8 MiB Lua memory limit); status and error replies carry no CR or LF; the engine still
// answers a plain script afterwards, whatever the input did to it.
//
// The time limit is read every 10,000 Lua instructions (kHookInstructions), and one instruction
// can copy a string up to the memory limit: a loop that grows a string a few bytes at a time
// costs the square of the instructions it runs. With 50 ms (500,000 instructions per run, three
// runs per input) one such input ran 117 s under ASan and took the fuzzer past its 2 GiB RSS
// limit (corpus/redis_script/quadratic_concat); with 10 ms, about 2 s. The daemon's own
// limit is wall time (lua-time-limit), which stops that loop after 5 s.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "redis/scripting/script_engine.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/ticking_clock.h"

namespace rs = apicached::redis::scripting;
using apicached::redis::Argv;
using apicached::redis::Reply;

namespace {

Reply Nest(int depth) {
  if (depth <= 0) return Reply::Bulk("leaf");
  return Reply::Array({Nest(depth - 1), Reply::Integer(depth)});
}

Reply Fake(const Argv& argv) {
  const std::string& name = argv[0];
  const std::string arg = argv.size() > 1 ? argv[1] : "";
  std::vector<Reply> rest;
  for (size_t i = 1; i < argv.size(); ++i) rest.push_back(Reply::Bulk(argv[i]));
  if (name == "ok") return Reply::Simple(arg.empty() ? "OK" : arg);
  if (name == "err") return Reply::Error("ERR " + arg);
  if (name == "int") return Reply::Integer(std::strtoll(arg.c_str(), nullptr, 10));
  if (name == "bulk") return Reply::Bulk(arg);
  if (name == "nil") return Reply::Null();
  if (name == "arr") return Reply::Array(std::move(rest));
  if (name == "map") return Reply::Map(std::move(rest));
  if (name == "set") return Reply::Set(std::move(rest));
  if (name == "dbl") return Reply::Double(std::strtod(arg.c_str(), nullptr));
  if (name == "bool") return Reply::Boolean(!arg.empty());
  if (name == "nest") return Nest(static_cast<int>(std::strtol(arg.c_str(), nullptr, 10) % 200));
  return Reply::Error("ERR Unknown Redis command called from script");
}

void CheckReply(const Reply& r, int depth = 0) {
  if (r.kind == Reply::Kind::kSimple || r.kind == Reply::Kind::kError) {
    FUZZ_CHECK(r.text.find_first_of("\r\n") == std::string::npos);
  }
  FUZZ_CHECK(depth <= 1001);
  for (const Reply& e : r.elements) CheckReply(e, depth + 1);
}

rs::ScriptEngine& Engine() {
  static apicached::testing::TickingClock clock;
  static rs::ScriptEngine engine(
      [] {
        rs::ScriptEngine::Options o;
        o.time_limit = std::chrono::milliseconds(10);
        o.memory_limit_bytes = 8u << 20;
        o.max_cached_scripts = 16;
        o.max_cached_script_bytes = 1u << 16;
        o.max_reply_bytes = 1u << 20;
        return o;
      }(),
      clock,
      [](rs::ScriptLogLevel, std::string_view line) {
        FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
      });
  return engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t eol = in.find('\n');
  const std::string script(in.substr(0, eol));
  Argv args;
  if (eol != std::string_view::npos) {
    std::string_view rest = in.substr(eol + 1);
    while (!rest.empty() && args.size() < 16) {
      const size_t e = rest.find('\n');
      args.emplace_back(rest.substr(0, e));
      rest = e == std::string_view::npos ? std::string_view() : rest.substr(e + 1);
    }
  }
  rs::ScriptEngine& engine = Engine();
  const rs::ScriptEngine::Call call = Fake;

  Argv eval{"EVAL", script, args.empty() ? "0" : "1"};
  eval.insert(eval.end(), args.begin(), args.end());
  CheckReply(engine.Execute(eval, call));

  const Reply sha = engine.Execute({"SCRIPT", "LOAD", script}, call);
  CheckReply(sha);
  if (sha.kind == Reply::Kind::kBulk) {
    Argv evalsha = eval;
    evalsha[0] = "EVALSHA_RO";
    evalsha[1] = sha.text;
    CheckReply(engine.Execute(evalsha, call));
  }
  const Reply after = engine.Execute({"EVAL", "return 1", "0"}, call);
  FUZZ_CHECK(after.kind == Reply::Kind::kInteger && after.integer == 1);
  if (size % 7 == 0) CheckReply(engine.Execute({"SCRIPT", "FLUSH"}, call));
  return 0;
}
