// FakeRedis: a few string commands on a map, in Redis 7's words, as the `call` function a
// ScriptEngine test passes. It records every command a script ran. Not the real executor: the
// end-to-end tests (tests/redis_py) run scripts against the daemon.
//
// Thread safety: none.
#pragma once

#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "redis/reply.h"
#include "storage/clock.h"

namespace apicached::redis::testing {

class FakeRedis {
 public:
  explicit FakeRedis(const Clock& clock) : clock_(clock) {}

  std::vector<Argv> calls;  // every command, as received

  Reply operator()(const Argv& argv) {
    calls.push_back(argv);
    std::string name = argv[0];
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t n = argv.size();
    if (name == "ping") return Reply::Simple("PONG");
    if (name == "eval" || name == "script")
      return Reply::Error("ERR This Redis command is not allowed from script");
    if (name == "get" && n == 2) {
      const Entry* e = Find(argv[1]);
      return e != nullptr ? Reply::Bulk(e->value) : Reply::Null();
    }
    if (name == "set" && n == 3) {
      data_[argv[1]] = Entry{argv[2], 0};
      return Reply::Ok();
    }
    if (name == "del" && n >= 2) {
      int64_t removed = 0;
      for (size_t i = 1; i < n; ++i)
        removed += Find(argv[i]) != nullptr ? (data_.erase(argv[i]), 1) : 0;
      return Reply::Integer(removed);
    }
    if (name == "exists" && n >= 2) {
      int64_t found = 0;
      for (size_t i = 1; i < n; ++i) found += Find(argv[i]) != nullptr ? 1 : 0;
      return Reply::Integer(found);
    }
    if ((name == "incrby" && n == 3) || (name == "incr" && n == 2)) {
      int64_t by = 1;
      if (n == 3 && !Parse(argv[2], &by)) return NotInteger();
      Entry* e = Find(argv[1]);
      int64_t v = 0;
      if (e != nullptr && !Parse(e->value, &v)) return NotInteger();
      v += by;
      if (e == nullptr) e = &(data_[argv[1]] = Entry{"", 0});
      e->value = std::to_string(v);
      return Reply::Integer(v);
    }
    if (name == "pttl" && n == 2) {
      const Entry* e = Find(argv[1]);
      if (e == nullptr) return Reply::Integer(-2);
      return Reply::Integer(e->expires_ms == 0 ? -1 : e->expires_ms - clock_.NowMillis());
    }
    if (name == "pexpire" && n == 3) {
      int64_t ms = 0;
      if (!Parse(argv[2], &ms)) return NotInteger();
      Entry* e = Find(argv[1]);
      if (e == nullptr) return Reply::Integer(0);
      e->expires_ms = clock_.NowMillis() + ms;
      return Reply::Integer(1);
    }
    if (name == "mget" && n >= 2) {
      std::vector<Reply> out;
      for (size_t i = 1; i < n; ++i) {
        const Entry* e = Find(argv[i]);
        out.push_back(e != nullptr ? Reply::Bulk(e->value) : Reply::Null());
      }
      return Reply::Array(std::move(out));
    }
    if (name == "get" || name == "set" || name == "del" || name == "incrby" || name == "pttl") {
      return Reply::Error("ERR Wrong number of args calling Redis command from script");
    }
    return Reply::Error("ERR Unknown Redis command called from script");
  }

  // Test helpers.
  void Put(const std::string& key, const std::string& value) { data_[key] = Entry{value, 0}; }
  bool Has(const std::string& key) { return Find(key) != nullptr; }
  std::string Value(const std::string& key) {
    return Find(key) != nullptr ? Find(key)->value : "<none>";
  }

 private:
  struct Entry {
    std::string value;
    int64_t expires_ms = 0;
  };

  static Reply NotInteger() { return Reply::Error("ERR value is not an integer or out of range"); }

  static bool Parse(const std::string& s, int64_t* out) {
    try {
      size_t used = 0;
      *out = std::stoll(s, &used);
      return used == s.size();
    } catch (...) {
      return false;
    }
  }

  Entry* Find(const std::string& key) {
    auto it = data_.find(key);
    if (it == data_.end()) return nullptr;
    if (it->second.expires_ms != 0 && it->second.expires_ms <= clock_.NowMillis()) {
      data_.erase(it);
      return nullptr;
    }
    return &it->second;
  }

  const Clock& clock_;
  std::map<std::string, Entry> data_;
};

}  // namespace apicached::redis::testing
