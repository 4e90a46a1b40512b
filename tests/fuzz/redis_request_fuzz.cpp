// Fuzz target: the RESP parser (redis/resp_parser.h) on raw client bytes, driven the way a
// session drives it: parse, drop the consumed bytes, parse again, until it needs more or
// refuses. The input is fed in two reads (split at its first byte's value) so that the parser's
// incremental state is exercised. Every command is rendered back with the writer in RESP2 and
// RESP3, and the bytes go through the glob matcher as a pattern.
//
// Properties: nothing crashes or leaks; each result consumes only bytes it was given; kNeedMore
// keeps the unconsumed bytes within the inline bound or a pending bulk; commands are never
// empty and respect the bounds; rendered replies end in "\r\n"; an error text is one line.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redis/glob.h"
#include "redis/resp_parser.h"
#include "redis/resp_writer.h"
#include "tests/fuzz/fuzz_check.h"

namespace rd = apicached::redis;

namespace {

void Drain(rd::RespParser& parser, const rd::RespParserOptions& o, std::string& buf, bool& done) {
  rd::Argv argv;
  for (int guard = 0; guard < 100000 && !done; ++guard) {
    const rd::RespParser::Result r = parser.Parse(buf, guard % 3 == 0, argv);
    FUZZ_CHECK(r.consumed <= buf.size());
    buf.erase(0, r.consumed);
    if (r.kind == rd::RespParser::Result::Kind::kNeedMore) {
      FUZZ_CHECK(parser.in_command() || buf.size() <= o.max_inline_bytes);
      return;
    }
    if (r.kind == rd::RespParser::Result::Kind::kError) {
      FUZZ_CHECK(r.error.find_first_of("\r\n") == std::string::npos);
      done = true;
      return;
    }
    FUZZ_CHECK(!argv.empty());
    FUZZ_CHECK(argv.size() <= static_cast<size_t>(o.max_array_length));
    uint64_t bytes = 0;
    for (const std::string& a : argv) bytes += a.size();
    FUZZ_CHECK(bytes <= o.max_command_bytes);
    std::vector<rd::Reply> elements;
    for (const std::string& a : argv) elements.push_back(rd::Reply::Bulk(a));
    elements.push_back(rd::Reply::Error(argv[0]));
    elements.push_back(rd::Reply::Map({rd::Reply::Simple(argv.back()), rd::Reply::Null()}));
    const rd::Reply reply = rd::Reply::Array(std::move(elements));
    for (rd::RespVersion v : {rd::RespVersion::kResp2, rd::RespVersion::kResp3}) {
      std::string out;
      rd::AppendReply(reply, v, out);
      FUZZ_CHECK(std::string_view(out).ends_with("\r\n"));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rd::RespParserOptions o;
  o.max_bulk_bytes = 4096;  // small, so that inputs reach the limits
  o.max_inline_bytes = 1024;
  o.max_array_length = 64;
  o.max_command_bytes = 8192;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t cut = size == 0 ? 0 : std::min<size_t>(data[0], size);
  rd::RespParser parser(o);
  std::string buf(all.substr(0, cut));
  bool done = false;
  Drain(parser, o, buf, done);
  buf.append(all.substr(cut));
  Drain(parser, o, buf, done);

  const std::string_view pattern = all.substr(0, std::min<size_t>(size, 64));
  (void)rd::GlobMatch(pattern, all.substr(std::min<size_t>(size, 64)));
  FUZZ_CHECK(pattern.starts_with(rd::LiteralPrefix(pattern)));
  return 0;
}
