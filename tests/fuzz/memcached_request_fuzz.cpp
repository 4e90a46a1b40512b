// Fuzz target: the memcached parser (memcached/parser.h) on raw client bytes, driven the way a
// session drives it: parse, consume, discard swallowed bytes, parse again, until it needs more.
// Each command is answered with the composer as if every key were a hit, and the bytes also go
// through the ASCII authentication parser.
//
// Properties: nothing crashes or leaks; every result but kNeedMore makes progress and stays in
// the buffer; kNeedMore happens only within memcached's line bounds or inside a data block
// that fits the item limit; reply lines end in "\r\n"; keys are 1..250 bytes; data blocks fit
// the item limit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "memcached/ascii_auth.h"
#include "memcached/composer.h"
#include "memcached/parser.h"
#include "tests/fuzz/fuzz_check.h"

namespace mc = apicached::memcached;

namespace {

void Answer(const mc::Request& req, std::string& out) {
  mc::MetaItem item;
  item.size = req.data.size();
  switch (req.command) {
    case mc::Command::kGet:
    case mc::Command::kGets:
    case mc::Command::kGat:
    case mc::Command::kGats:
      for (std::string_view k : req.keys) {
        FUZZ_CHECK(!k.empty() && k.size() <= mc::kMaxKeyBytes);
        mc::AppendValue(out, k, 1, "v", 7);
      }
      break;
    case mc::Command::kMetaGet:
    case mc::Command::kMetaSet:
    case mc::Command::kMetaDelete:
    case mc::Command::kMetaArithmetic:
      FUZZ_CHECK(req.key.size() <= mc::kMaxKeyBytes);
      mc::AppendMetaReply(out, "HD", req, &item, "stcflhOk", std::string_view("v"));
      mc::AppendMetaReply(out, "EN", req, nullptr, "Ok");
      break;
    case mc::Command::kMetaDebug:
      mc::AppendMetaDebug(out, req, item);
      break;
    default:
      break;
  }
  if (!out.empty()) FUZZ_CHECK(std::string_view(out).ends_with("\r\n"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mc::ParserOptions options;
  options.max_item_bytes = 4096;  // small, so that inputs reach the limit
  options.max_get_line_bytes = 8192;
  const std::string_view all(reinterpret_cast<const char*>(data), size);

  std::string_view rest = all;
  mc::Request req;
  std::string out;
  for (int guard = 0; guard < 100000 && !rest.empty(); ++guard) {
    const mc::ParseResult r = mc::Parse(rest, options, req);
    if (r.kind == mc::ParseResult::Kind::kNeedMore) {
      // Only an unfinished line within the bounds or an unfinished data block that fits.
      FUZZ_CHECK(rest.size() <= options.max_get_line_bytes + options.max_item_bytes + 2);
      break;
    }
    FUZZ_CHECK(r.consumed > 0 && r.consumed <= rest.size());
    if (!r.reply.empty()) FUZZ_CHECK(r.reply.ends_with("\r\n"));
    if (r.kind == mc::ParseResult::Kind::kCommand) {
      FUZZ_CHECK(req.data.size() <= options.max_item_bytes);
      if (req.too_large) FUZZ_CHECK(r.swallow > options.max_item_bytes);
      out.clear();
      Answer(req, out);
    }
    if (r.kind == mc::ParseResult::Kind::kClose) break;
    rest.remove_prefix(r.consumed);
    const size_t swallowed = r.swallow < rest.size() ? static_cast<size_t>(r.swallow) : rest.size();
    rest.remove_prefix(swallowed);
  }

  const mc::AuthAttempt a = mc::ParseAuth(all, options);
  if (a.result.kind != mc::ParseResult::Kind::kNeedMore) FUZZ_CHECK(a.result.consumed <= size);
  if (a.result.kind == mc::ParseResult::Kind::kCommand) {
    FUZZ_CHECK(!a.user.empty() && !a.password.empty());
  }
  return 0;
}
