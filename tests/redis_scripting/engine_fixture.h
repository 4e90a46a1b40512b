// A ScriptEngine on a FakeClock whose redis.call goes to a FakeRedis; Run() answers in RESP2
// bytes, to compare with what redis-server 7.0.15 sent.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "redis/command.h"
#include "redis/scripting/script_engine.h"
#include "storage/clock.h"
#include "tests/redis_scripting/fake_redis.h"
#include "tests/redis_scripting/resp2.h"

namespace apicached::redis::testing {

class EngineTest : public ::testing::Test {
 protected:
  using ScriptEngine = scripting::ScriptEngine;

  explicit EngineTest(ScriptEngine::Options options = {})
      : engine_(WithCommandTable(std::move(options)), clock_, Logger()) {}

  // The daemon's wiring: which commands write comes from the Redis front's command table.
  static ScriptEngine::Options WithCommandTable(ScriptEngine::Options options) {
    options.is_write_command = &IsWriteCommand;
    return options;
  }

  // The RESP2 answer to argv.
  std::string Run(Argv argv) { return Resp2(engine_.Execute(argv, call_)); }
  // EVAL script numkeys keys... args...
  std::string Eval(const std::string& script, std::vector<std::string> keys = {},
                   std::vector<std::string> args = {}) {
    Argv argv{"EVAL", script, std::to_string(keys.size())};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(std::move(argv));
  }

  ScriptEngine::Log Logger() {
    return [this](scripting::ScriptLogLevel level, std::string_view line) {
      logs_.emplace_back(static_cast<int>(level), std::string(line));
    };
  }

  FakeClock clock_;
  FakeRedis redis_{clock_};
  ScriptEngine::Call call_ = [this](const Argv& argv) { return redis_(argv); };
  std::vector<std::pair<int, std::string>> logs_;
  ScriptEngine engine_;
};

}  // namespace apicached::redis::testing
