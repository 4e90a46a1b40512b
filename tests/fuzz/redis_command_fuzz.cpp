// Fuzz target: whole Redis commands on the real cache layer and store. Raw client bytes go to a
// redis::Session (redis/session.h) as one connection, over the executor, the cache layer and a
// RocksDB store in a temp dir (made once per fuzzing process, like a daemon, and kept across
// inputs, so that one input's keys meet the next input's commands). The input is fed in two
// reads, split at its first byte's value, as redis_request does; the writes each read deferred
// are committed as the server commits them (WriteCommitter::CommitWrites, then Committed).
// Databases 0 and 1 are namespaces "default" and "other"; keys "migo:..." go to namespace "migo".
// No scripting engine (redis_script fuzzes that) and no authentication.
//
// Properties: nothing crashes, leaks or trips a sanitizer; a read's consumed bytes stay within
// what it was given; the replies are well-formed RESP (every reply parses as one whole RESP2 or
// RESP3 value, in order, with nothing left over); an error reply is one line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redis/databases.h"
#include "redis/executor.h"
#include "redis/resp_parser.h"
#include "redis/session.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_store.h"
#include "tests/fuzz/session_driver.h"

namespace rd = apicached::redis;

namespace {

rd::DatabasesOptions FuzzDatabases() {
  rd::DatabasesOptions d;
  d.namespaces = {{0, "default"}, {1, "other"}};
  d.key_namespaces = {"migo"};
  return d;
}

// The executor on the process's store (apicached::fuzz::ProcessWide).
struct Fixture {
  apicached::fuzz::FuzzStore store{4096};  // a small item limit, so that inputs reach it
  rd::Databases databases{FuzzDatabases()};
  rd::Executor executor{store.cache(), databases, nullptr, rd::ExecutorOptions{}};
};

// The length of the one RESP value at the start of `in`, or 0 when it is not one whole value.
// Accepts RESP2 and RESP3 (HELLO 3 switches the connection).
size_t ValueLength(std::string_view in, int depth = 0) {
  if (in.empty() || depth > 64) return 0;
  const size_t eol = in.find("\r\n");
  if (eol == std::string_view::npos) return 0;
  const std::string_view line = in.substr(1, eol - 1);
  const size_t head = eol + 2;
  int64_t n = 0;
  switch (in[0]) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
      return line.find_first_of("\r\n") == std::string_view::npos ? head : 0;
    case '$':
    case '=':
    case '!':
    case '%':
    case '*':
    case '~':
    case '>':
    case '|':
      if (!rd::ParseInt64(line, n)) return 0;
      break;
    default:
      return 0;
  }
  if (in[0] == '$' || in[0] == '=' || in[0] == '!') {
    if (n < 0) return in[0] == '$' && n == -1 ? head : 0;
    const size_t end = head + static_cast<size_t>(n);
    if (end + 2 > in.size() || in.substr(end, 2) != "\r\n") return 0;
    return end + 2;
  }
  if (n < 0) return in[0] == '*' && n == -1 ? head : 0;
  const int64_t items = in[0] == '%' || in[0] == '|' ? 2 * n : n;
  size_t pos = head;
  for (int64_t i = 0; i < items; ++i) {
    const size_t len = ValueLength(in.substr(pos), depth + 1);
    if (len == 0) return 0;
    pos += len;
  }
  return pos;
}

// Every reply in `out` is one whole RESP value, back to back.
void CheckReplies(std::string_view out) {
  while (!out.empty()) {
    const size_t len = ValueLength(out);
    FUZZ_CHECK(len > 0);
    out.remove_prefix(len);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = apicached::fuzz::ProcessWide<Fixture>();
  rd::SessionOptions options;
  options.parser.max_bulk_bytes = 8192;
  options.parser.max_array_length = 256;
  options.parser.max_command_bytes = 65536;
  options.max_batched_sets = 4;  // small, so that batches split
  rd::Session session(f.executor, options);
  CheckReplies(apicached::fuzz::DriveSession(
      session, std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
