#include "memcached/meta_parser.h"

#include <bitset>

#include "http/text_codec.h"
#include "memcached/numbers.h"
#include "memcached/replies.h"

namespace apicached::memcached::detail {
namespace {

using Kind = ParseResult::Kind;

// memcached's MFLAG_MAX_OPT_LENGTH and MFLAG_MAX_OPAQUE_LENGTH.
constexpr size_t kMaxMetaTokens = 20;
constexpr size_t kMaxOpaqueBytes = 32;

ParseResult Reply(size_t consumed, std::string_view reply, uint64_t swallow = 0) {
  ParseResult r;
  r.kind = Kind::kReply;
  r.consumed = consumed;
  r.reply = reply;
  r.swallow = swallow;
  return r;
}

bool DecodeKey(Request& req) {
  auto decoded = http::Base64Decode(req.key);
  if (!decoded || decoded->empty()) return false;
  req.binary_key = std::move(*decoded);
  req.key_base64 = true;
  return true;
}

// memcached's _meta_flag_preparse: fills req from the flag tokens. Returns the error line, or ""
// when the flags are good. Like memcached it goes on after most errors (the last message wins)
// and stops at a duplicate or unknown flag.
std::string_view ParseFlags(const Tokens& t, size_t first, Request& req) {
  std::bitset<128> seen;
  std::string_view error;
  for (size_t i = first; i < t.size; ++i) {
    const std::string_view tok = t.token[i];
    const auto f = static_cast<unsigned char>(tok[0]);
    if (f >= 127 || seen[f]) return reply::kDuplicateFlag;
    seen[f] = true;
    req.meta_flags.push_back(tok);
    const std::string_view arg = tok.substr(1);
    switch (f) {
      case 'b':
        if (!DecodeKey(req)) error = reply::kBadKeyEncoding;
        break;
      case 'N':
      case 'T':
      case 'R': {
        auto v = ParseI32(arg);
        if (!v) {
          error = reply::kBadToken;
        } else if (f == 'N') {
          req.vivify_ttl = *v;
        } else if (f == 'T') {
          req.ttl = *v;
        } else {
          req.recache_ttl = *v;
        }
        break;
      }
      case 'F': {
        auto v = ParseU32(arg);
        if (!v) {
          if (error.empty()) error = reply::kBadFormat;
        } else {
          req.client_flags = *v;
        }
        break;
      }
      case 'C': {
        auto v = ParseU64(arg);
        if (!v) {
          error = reply::kBadToken;
        } else {
          req.compare_cas = *v;
        }
        break;
      }
      case 'M':
        if (tok.size() != 2) error = reply::kBadModeLength;
        break;
      case 'J': {
        auto v = ParseU64(arg);
        if (!v) {
          error = reply::kBadInitial;
        } else {
          req.initial = *v;
        }
        break;
      }
      case 'D': {
        auto v = ParseU64(arg);
        if (!v) {
          error = reply::kBadDelta;
        } else {
          req.delta = *v;
        }
        break;
      }
      case 'I':
        req.invalidate = true;
        break;
      case 'q':
        req.quiet = true;
        break;
      case 'v':
        req.return_value = true;
        break;
      case 'O':
      case 'P':
      case 'L':
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'h':
      case 'l':
      case 'u':
        break;
      default:
        return reply::kInvalidFlag;
    }
  }
  return error;
}

std::string_view CheckOpaque(const Request& req) {
  for (std::string_view tok : req.meta_flags)
    if (tok[0] == 'O' && tok.size() > kMaxOpaqueBytes) return reply::kOpaqueTooLong;
  return {};
}

char ModeFlag(const Request& req) {
  for (std::string_view tok : req.meta_flags)
    if (tok[0] == 'M') return tok[1];
  return 0;
}

// me <key> [b]
ParseResult ParseDebug(const Tokens& t, size_t line_bytes, Request& req) {
  if (t.ntokens() < 3 || t.token[1].size() > kMaxKeyBytes)
    return Reply(line_bytes, reply::kBadFormat);
  req.command = Command::kMetaDebug;
  req.key = t.token[1];
  if (t.ntokens() >= 4 && t.token[2] == "b") {
    if (!DecodeKey(req)) return Reply(line_bytes, reply::kBadFormat);
  } else if (!IsValidKey(req.key)) {
    return Reply(line_bytes, reply::kBadFormat);
  }
  ParseResult r;
  r.kind = Kind::kCommand;
  r.consumed = line_bytes;
  return r;
}

}  // namespace

ParseResult ParseMeta(const Tokens& t, size_t line_bytes, std::string_view after_line,
                      const ParserOptions& options, Request& req) {
  const char which = t.token[0][1];
  if (which == 'n') {
    req.command = Command::kMetaNoop;
    ParseResult r;
    r.kind = Kind::kCommand;
    r.consumed = line_bytes;
    return r;
  }
  if (which == 'e') return ParseDebug(t, line_bytes, req);
  switch (which) {
    case 'g':
      req.command = Command::kMetaGet;
      break;
    case 's':
      req.command = Command::kMetaSet;
      break;
    case 'd':
      req.command = Command::kMetaDelete;
      break;
    case 'a':
      req.command = Command::kMetaArithmetic;
      req.delta = 1;
      break;
    default:
      return Reply(line_bytes, reply::kError);
  }
  if (t.ntokens() < 3) return Reply(line_bytes, reply::kError);
  req.key = t.token[1];
  if (req.key.size() > kMaxKeyBytes) return Reply(line_bytes, reply::kBadFormat);
  const bool set = req.command == Command::kMetaSet;
  if (set && t.ntokens() == 3) return Reply(line_bytes, reply::kBadFormat);
  if (t.ntokens() > kMaxMetaTokens) {
    return Reply(line_bytes,
                 req.command == Command::kMetaGet ? reply::kFlagsTooLongMg : reply::kFlagsTooLong);
  }
  uint64_t swallow = 0;
  size_t data_bytes = 0;
  if (set) {
    auto length = ParseI32(t.token[2]);
    if (!length || *length < 0 || *length > 0x7ffffffd) return Reply(line_bytes, reply::kBadFormat);
    data_bytes = static_cast<size_t>(*length);
    swallow = data_bytes + 2;  // a refused ms has its data block discarded
  }
  std::string_view error = ParseFlags(t, set ? 3 : 2, req);
  if (error.empty()) error = CheckOpaque(req);
  if (error.empty() && !req.key_base64 && !IsValidKey(req.key)) error = reply::kBadFormat;
  if (!error.empty()) {
    const bool generic =
        req.command == Command::kMetaDelete || req.command == Command::kMetaArithmetic;
    // md and ma answer one message for every flag error (but their own opaque check's).
    if (generic && error != reply::kOpaqueTooLong && error != reply::kBadFormat)
      error = reply::kInvalidOrDuplicateFlag;
    return Reply(line_bytes, error, swallow);
  }
  const char mode = ModeFlag(req);
  if (set) {
    switch (mode) {
      case 0:
      case 'S':
        req.mode = StoreMode::kSet;
        break;
      case 'E':
        req.mode = StoreMode::kAdd;
        break;
      case 'A':
        req.mode = StoreMode::kAppend;
        break;
      case 'P':
        req.mode = StoreMode::kPrepend;
        break;
      case 'R':
        req.mode = StoreMode::kReplace;
        break;
      default:
        return Reply(line_bytes, reply::kBadSetMode, swallow);
    }
    // As memcached: a compare value turns set and replace into cas.
    if (req.compare_cas && (req.mode == StoreMode::kSet || req.mode == StoreMode::kReplace)) {
      req.mode = StoreMode::kCas;
      req.cas_unique = *req.compare_cas;
    }
    if (data_bytes > options.max_item_bytes) {
      ParseResult r;
      r.kind = Kind::kCommand;
      r.consumed = line_bytes;
      r.swallow = swallow;
      req.too_large = true;
      return r;
    }
    return ReadDataBlock(line_bytes, after_line, data_bytes, /*quiet=*/false, req);
  }
  if (req.command == Command::kMetaArithmetic) {
    switch (mode) {
      case 0:
      case 'I':
      case '+':
        req.increment = true;
        break;
      case 'D':
      case '-':
        req.increment = false;
        break;
      default:
        return Reply(line_bytes, reply::kBadArithmeticMode);
    }
  }
  ParseResult r;
  r.kind = Kind::kCommand;
  r.consumed = line_bytes;
  return r;
}

}  // namespace apicached::memcached::detail
