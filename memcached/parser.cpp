#include "memcached/parser.h"

#include "memcached/meta_parser.h"
#include "memcached/numbers.h"
#include "memcached/replies.h"
#include "memcached/tokens.h"

namespace apicached::memcached {
namespace {

using detail::IsValidKey;
using detail::Tokens;
using Kind = ParseResult::Kind;

ParseResult Reply(size_t consumed, std::string_view reply, bool silent = false) {
  ParseResult r;
  r.kind = Kind::kReply;
  r.consumed = consumed;
  if (!silent) r.reply = reply;
  return r;
}

ParseResult CommandResult(size_t consumed) {
  ParseResult r;
  r.kind = Kind::kCommand;
  r.consumed = consumed;
  return r;
}

// What memcached does with a line that has no "\n" yet.
ParseResult Unterminated(std::string_view buffer, const ParserOptions& options) {
  ParseResult r;
  if (buffer.size() <= options.max_line_bytes) return r;  // kNeedMore
  size_t spaces = 0;
  while (spaces < buffer.size() && buffer[spaces] == ' ') ++spaces;
  const std::string_view s = buffer.substr(spaces);
  const bool multiget = spaces <= 100 && (s.starts_with("get ") || s.starts_with("gets "));
  if (multiget && buffer.size() <= options.max_get_line_bytes) return r;
  r.kind = Kind::kClose;
  return r;
}

// The keys of get/gets/gat/gats, from token `first` on and the untokenized rest.
ParseResult ParseRetrieval(const Tokens& t, size_t first, size_t line_bytes, Request& req) {
  req.keys.clear();
  for (size_t i = first; i < t.size; ++i) req.keys.push_back(t.token[i]);
  std::string_view rest = t.rest;
  while (!rest.empty()) {
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = rest.find(' ');
    req.keys.push_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  for (std::string_view k : req.keys)
    if (!IsValidKey(k)) return Reply(line_bytes, reply::kBadFormat);
  return CommandResult(line_bytes);
}

// set/add/replace/append/prepend/cas <key> <flags> <exptime> <bytes> [<cas>] [noreply]
ParseResult ParseStorage(const Tokens& t, size_t line_bytes, std::string_view after_line,
                         const ParserOptions& options, Request& req) {
  const bool cas = req.mode == StoreMode::kCas;
  const size_t want = cas ? 7 : 6;
  if (t.ntokens() != want && t.ntokens() != want + 1) return Reply(line_bytes, reply::kError);
  req.noreply = t.last() == "noreply";
  req.key = t.token[1];
  if (!IsValidKey(req.key)) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  auto flags = ParseU32(t.token[2]);
  auto exptime = ParseI32(t.token[3]);
  auto length = ParseI32(t.token[4]);
  if (!flags || !exptime || !length) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  req.client_flags = *flags;
  req.exptime = *exptime;
  if (cas) {
    auto unique = ParseU64(t.token[5]);
    if (!unique) return Reply(line_bytes, reply::kBadFormat, req.noreply);
    req.cas_unique = *unique;
  }
  if (*length < 0 || *length > 0x7ffffffd) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  const auto bytes = static_cast<size_t>(*length);
  if (bytes > options.max_item_bytes) {
    ParseResult r = CommandResult(line_bytes);
    r.swallow = bytes + 2;
    req.too_large = true;
    req.data = {};
    return r;
  }
  return detail::ReadDataBlock(line_bytes, after_line, bytes, req.noreply, req);
}

// incr/decr <key> <delta> [noreply]
ParseResult ParseArithmetic(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() != 4 && t.ntokens() != 5) return Reply(line_bytes, reply::kError);
  req.noreply = t.last() == "noreply";
  req.key = t.token[1];
  if (!IsValidKey(req.key)) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  auto delta = ParseU64(t.token[2]);
  if (!delta) return Reply(line_bytes, reply::kInvalidDelta, req.noreply);
  req.delta = *delta;
  return CommandResult(line_bytes);
}

// touch <key> <exptime> [noreply]
ParseResult ParseTouch(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() != 4 && t.ntokens() != 5) return Reply(line_bytes, reply::kError);
  req.noreply = t.last() == "noreply";
  req.key = t.token[1];
  if (!IsValidKey(req.key)) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  auto exptime = ParseI32(t.token[2]);
  if (!exptime) return Reply(line_bytes, reply::kInvalidExptime, req.noreply);
  req.exptime = *exptime;
  return CommandResult(line_bytes);
}

// delete <key> [0] [noreply]   (the "0" is the hold time memcached no longer supports)
ParseResult ParseDelete(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() < 3 || t.ntokens() > 5) return Reply(line_bytes, reply::kError);
  req.noreply = false;
  if (t.ntokens() > 3) {
    const bool hold_is_zero = t.token[2] == "0";
    req.noreply = t.last() == "noreply";
    const bool valid = (t.ntokens() == 4 && (hold_is_zero || req.noreply)) ||
                       (t.ntokens() == 5 && hold_is_zero && req.noreply);
    if (!valid) return Reply(line_bytes, reply::kDeleteUsage, req.noreply);
  }
  req.key = t.token[1];
  if (!IsValidKey(req.key)) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  return CommandResult(line_bytes);
}

// flush_all [delay] [noreply]
ParseResult ParseFlushAll(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() < 2 || t.ntokens() > 4) return Reply(line_bytes, reply::kError);
  req.noreply = t.last() == "noreply";
  req.exptime = 0;
  if (t.ntokens() != (req.noreply ? 3u : 2u)) {
    auto delay = ParseI32(t.token[1]);
    if (!delay) return Reply(line_bytes, reply::kInvalidExptime, req.noreply);
    req.exptime = *delay;
  }
  return CommandResult(line_bytes);
}

// verbosity <level> [noreply]
ParseResult ParseVerbosity(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() != 3 && t.ntokens() != 4) return Reply(line_bytes, reply::kError);
  req.noreply = t.last() == "noreply";
  auto level = ParseU32(t.token[1]);
  if (!level) return Reply(line_bytes, reply::kBadFormat, req.noreply);
  req.verbosity = *level;
  return CommandResult(line_bytes);
}

void Reset(Request& req) {
  req.key = {};
  req.data = {};
  req.client_flags = 0;
  req.too_large = false;
  req.exptime = 0;
  req.cas_unique = 0;
  req.delta = 0;
  req.noreply = false;
  req.stats_group = {};
  req.meta_flags.clear();
  req.key_base64 = false;
  req.binary_key.clear();
  req.quiet = false;
  req.return_value = false;
  req.ttl.reset();
  req.vivify_ttl.reset();
  req.recache_ttl.reset();
  req.compare_cas.reset();
  req.invalidate = false;
  req.initial = 0;
  req.increment = true;
  req.mode = StoreMode::kSet;
}

}  // namespace

ParseResult Parse(std::string_view buffer, const ParserOptions& options, Request& req) {
  const size_t newline = buffer.find('\n');
  if (newline == std::string_view::npos) return Unterminated(buffer, options);
  const size_t line_bytes = newline + 1;
  std::string_view line = buffer.substr(0, newline);
  if (line.size() > 1 && line.back() == '\r') line.remove_suffix(1);
  // memcached reads the line as a C string: it ends at a NUL byte.
  if (const size_t nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
  const std::string_view after_line = buffer.substr(line_bytes);

  Reset(req);
  const Tokens t = detail::Tokenize(line);
  if (t.size == 0 || t.token[0].size() < 2) return Reply(line_bytes, reply::kError);
  const std::string_view name = t.token[0];

  if (name.size() == 2 && name[0] == 'm') {
    return detail::ParseMeta(t, line_bytes, after_line, options, req);
  }
  if (name[0] == 'g') {
    if (t.ntokens() < 3) return Reply(line_bytes, reply::kError);
    if (name == "get" || name == "gets") {
      req.command = name == "get" ? Command::kGet : Command::kGets;
      return ParseRetrieval(t, 1, line_bytes, req);
    }
    if (name == "gat" || name == "gats") {
      req.command = name == "gat" ? Command::kGat : Command::kGats;
      auto exptime = ParseI32(t.token[1]);
      if (!exptime) return Reply(line_bytes, reply::kInvalidExptime);
      req.exptime = *exptime;
      return ParseRetrieval(t, 2, line_bytes, req);
    }
    return Reply(line_bytes, reply::kError);
  }

  struct Storage {
    std::string_view name;
    Command command;
    StoreMode mode;
  };
  static constexpr Storage kStorage[] = {
      {"set", Command::kSet, StoreMode::kSet},
      {"add", Command::kAdd, StoreMode::kAdd},
      {"replace", Command::kReplace, StoreMode::kReplace},
      {"append", Command::kAppend, StoreMode::kAppend},
      {"prepend", Command::kPrepend, StoreMode::kPrepend},
      {"cas", Command::kCas, StoreMode::kCas},
  };
  for (const Storage& s : kStorage) {
    if (name == s.name) {
      req.command = s.command;
      req.mode = s.mode;
      return ParseStorage(t, line_bytes, after_line, options, req);
    }
  }
  if (name == "delete") {
    req.command = Command::kDelete;
    return ParseDelete(t, line_bytes, req);
  }
  if (name == "incr" || name == "decr") {
    req.command = name == "incr" ? Command::kIncr : Command::kDecr;
    return ParseArithmetic(t, line_bytes, req);
  }
  if (name == "touch") {
    req.command = Command::kTouch;
    return ParseTouch(t, line_bytes, req);
  }
  if (name == "flush_all") {
    req.command = Command::kFlushAll;
    return ParseFlushAll(t, line_bytes, req);
  }
  if (name == "version") {
    req.command = Command::kVersion;
    return CommandResult(line_bytes);
  }
  if (name == "quit") {
    req.command = Command::kQuit;
    return CommandResult(line_bytes);
  }
  if (name == "verbosity") {
    req.command = Command::kVerbosity;
    return ParseVerbosity(t, line_bytes, req);
  }
  if (name == "stats") {
    req.command = Command::kStats;
    if (t.size > 1) {
      // The arguments as one view: from the first to the end of the last token.
      const char* begin = t.token[1].data();
      const char* end = t.token[t.size - 1].data() + t.token[t.size - 1].size();
      req.stats_group = std::string_view(begin, static_cast<size_t>(end - begin));
    }
    return CommandResult(line_bytes);
  }
  // memcached drops a connection that speaks HTTP to it.
  if (t.last().starts_with("HTTP/")) {
    ParseResult r;
    r.kind = Kind::kClose;
    r.consumed = line_bytes;
    return r;
  }
  return Reply(line_bytes, reply::kError);
}

ParseResult detail::ReadDataBlock(size_t line_bytes, std::string_view after_line, size_t length,
                                  bool quiet, Request& req) {
  if (after_line.size() < length + 2) return ParseResult{};  // kNeedMore
  const size_t consumed = line_bytes + length + 2;
  if (after_line.substr(length, 2) != "\r\n") return Reply(consumed, reply::kBadDataChunk, quiet);
  req.data = after_line.substr(0, length);
  return CommandResult(consumed);
}

}  // namespace apicached::memcached
