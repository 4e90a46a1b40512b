// Fuzz target: whole memcached commands (text and meta) on the real cache layer and store. Raw
// client bytes go to a memcached::Session (memcached/session.h) as one connection, over the
// executor, the cache layer and a RocksDB store in a temp dir (made once per fuzzing process and
// kept across inputs, so that one input's keys meet the next input's commands). The input is fed
// in two reads, split at its first byte's value; the writes each read deferred are committed as
// the server commits them (WriteCommitter::CommitWrites, then Committed). Default namespace
// "default", key namespace "migo"; no authentication.
//
// Properties: nothing crashes, leaks or trips a sanitizer; a read's consumed bytes stay within
// what it was given; the replies are whole memcached lines ending in "\r\n", with no other LF
// in them, and each data block (after `VALUE` and `VA`) is exactly as long as its line says
// and ends in "\r\n".
#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cache/key_mapping.h"
#include "memcached/executor.h"
#include "memcached/session.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_store.h"
#include "tests/fuzz/session_driver.h"

namespace mc = apicached::memcached;

namespace {

// The executor on the process's store (apicached::fuzz::ProcessWide).
struct Fixture {
  apicached::fuzz::FuzzStore store{4096};  // a small item limit, so that inputs reach it
  apicached::KeyMapping mapping{apicached::KeyMappingOptions{"default", {"migo"}}};
  mc::Executor executor{store.cache(), mapping, mc::ExecutorOptions{}};
};

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t end = std::min(line.find(' ', pos), line.size());
    if (end > pos) words.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

// Every reply line is whole; a VALUE or VA line is followed by its data block.
void CheckReplies(std::string_view out) {
  while (!out.empty()) {
    const size_t eol = out.find("\r\n");
    FUZZ_CHECK(eol != std::string_view::npos);
    const std::string_view line = out.substr(0, eol);
    // A bare CR may be in a line: a meta command's opaque token (O) comes back as the client sent
    // it, as memcached 1.6 sends it ("mg k O1\r\0\n" answers "HD O1\r\r\n" from both; the line
    // ends at the first LF and the tokens at spaces). Only the sender reads it. A LF cannot be.
    FUZZ_CHECK(line.find('\n') == std::string_view::npos);
    out.remove_prefix(eol + 2);
    const std::vector<std::string_view> words = Words(line);
    size_t size_word = 0;  // the index of the data block's size in the line; 0: no data block
    if (!words.empty() && words[0] == "VALUE") size_word = 3;
    if (!words.empty() && words[0] == "VA") size_word = 1;
    if (size_word == 0) continue;
    FUZZ_CHECK(words.size() > size_word);
    uint64_t size = 0;
    const std::string_view w = words[size_word];
    FUZZ_CHECK(std::from_chars(w.data(), w.data() + w.size(), size).ec == std::errc());
    FUZZ_CHECK(out.size() >= size + 2);
    FUZZ_CHECK(out.substr(size, 2) == "\r\n");
    out.remove_prefix(size + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Fixture& f = apicached::fuzz::ProcessWide<Fixture>();
  mc::SessionOptions options;
  mc::Session session(f.executor, options, nullptr);
  CheckReplies(apicached::fuzz::DriveSession(
      session, std::string_view(reinterpret_cast<const char*>(data), size)));
  return 0;
}
