#include "redis/resp_parser.h"

#include <algorithm>
#include <cctype>
#include <climits>

namespace apicached::redis {
namespace {

using Kind = RespParser::Result::Kind;

RespParser::Result Error(std::string text, size_t consumed = 0) {
  RespParser::Result r;
  r.kind = Kind::kError;
  r.consumed = consumed;
  r.error = std::move(text);
  return r;
}

// Redis looks for line ends with strchr, which stops at a NUL byte: the position of the first
// `c` before any NUL, or npos.
size_t FindBeforeNul(std::string_view in, char c) {
  const size_t at = in.find_first_of(std::string_view(c == '\r' ? "\r\0" : "\n\0", 2));
  return at != std::string_view::npos && in[at] == c ? at : std::string_view::npos;
}

bool IsSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ParseInt64(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() >= 21) return false;
  if (s == "0") {
    out = 0;
    return true;
  }
  size_t i = 0;
  const bool negative = s[0] == '-';
  if (negative && ++i == s.size()) return false;
  if (s[i] < '1' || s[i] > '9') return false;
  unsigned long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const unsigned d = static_cast<unsigned>(s[i] - '0');
    if (v > (ULLONG_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<unsigned long long>(LLONG_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<unsigned long long>(LLONG_MAX)) return false;
    out = static_cast<int64_t>(v);
  }
  return true;
}

bool SplitInline(std::string_view line, Argv& out) {
  out.clear();
  // sdssplitargs works on a C string: a NUL ends the line.
  if (const size_t nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
  size_t p = 0;
  const size_t n = line.size();
  auto at = [&](size_t i) { return i < n ? line[i] : '\0'; };
  while (true) {
    while (p < n && IsSpace(line[p])) ++p;
    if (p >= n) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      const char c = at(p);
      if (in_double) {
        if (c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 && HexValue(at(p + 3)) >= 0) {
          current.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (line[p]) {
            case 'n':
              current.push_back('\n');
              break;
            case 'r':
              current.push_back('\r');
              break;
            case 't':
              current.push_back('\t');
              break;
            case 'b':
              current.push_back('\b');
              break;
            case 'a':
              current.push_back('\a');
              break;
            default:
              current.push_back(line[p]);
              break;
          }
        } else if (c == '"') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else if (in_single) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current.push_back('\'');
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          current.push_back(c);
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(c);
        }
      }
      if (p < n) ++p;
    }
    out.push_back(std::move(current));
  }
}

void RespParser::Reset() {
  remaining_ = 0;
  bulk_len_ = -1;
  bytes_ = 0;
  partial_.clear();
}

RespParser::Result RespParser::Parse(std::string_view in, bool unauthenticated, Argv& argv) {
  size_t total = 0;
  while (true) {
    const std::string_view rest = in.substr(total);
    if (remaining_ == 0 && rest.empty()) return Result{Kind::kNeedMore, total, {}};
    Result r = remaining_ > 0 || rest[0] == '*' ? ParseMultibulk(rest, unauthenticated, argv)
                                                : ParseInline(rest, argv);
    r.consumed += total;
    // An empty command (blank inline line, "*0") is consumed and skipped.
    if (r.kind == Kind::kCommand && argv.empty()) {
      total = r.consumed;
      continue;
    }
    return r;
  }
}

RespParser::Result RespParser::ParseInline(std::string_view in, Argv& argv) {
  const size_t newline = FindBeforeNul(in, '\n');
  if (newline == std::string_view::npos) {
    if (in.size() > options_.max_inline_bytes) {
      return Error("ERR Protocol error: too big inline request");
    }
    return Result{Kind::kNeedMore, 0, {}};
  }
  size_t len = newline;
  if (len > 0 && in[len - 1] == '\r') --len;
  if (!SplitInline(in.substr(0, len), argv)) {
    return Error("ERR Protocol error: unbalanced quotes in request");
  }
  // The bounds of a multibulk command hold for an inline one too. Redis has none beyond the line
  // (64 KiB, but a line that arrives whole with its newline in a larger read is taken), and with
  // the defaults a line cannot reach them; with smaller configured bounds it could (found by
  // fuzz_redis_request).
  if (argv.size() > static_cast<uint64_t>(std::max<int64_t>(options_.max_array_length, 0))) {
    argv.clear();
    return Error("ERR Protocol error: too big inline request");
  }
  uint64_t bytes = 0;
  for (const std::string& a : argv) bytes += a.size();
  if (bytes > options_.max_command_bytes) {
    argv.clear();
    return Error("");  // the query buffer limit, as for a multibulk command
  }
  return Result{Kind::kCommand, newline + 1, {}};
}

RespParser::Result RespParser::ParseMultibulk(std::string_view in, bool unauthenticated,
                                              Argv& argv) {
  size_t pos = 0;
  if (remaining_ == 0) {
    const size_t cr = FindBeforeNul(in, '\r');
    if (cr == std::string_view::npos) {
      if (in.size() > options_.max_inline_bytes) {
        return Error("ERR Protocol error: too big mbulk count string");
      }
      return Result{Kind::kNeedMore, 0, {}};
    }
    // The byte after the '\r' has not come (Redis waits for it). Past the line bound no count is
    // a number, so the answer it will get is already known: give it now rather than hold a line
    // longer than the bound (found by fuzz_redis_request).
    if (cr + 2 > in.size() && cr <= options_.max_inline_bytes)
      return Result{Kind::kNeedMore, 0, {}};
    int64_t n = 0;
    // Redis's order: the INT_MAX bound, then the unauthenticated one; apicached's own bound
    // after them, with the same words as the first.
    if (!ParseInt64(in.substr(1, cr - 1), n) || n > INT_MAX) {
      return Error("ERR Protocol error: invalid multibulk length");
    }
    if (n > 10 && unauthenticated) {
      return Error("ERR Protocol error: unauthenticated multibulk length");
    }
    if (n > options_.max_array_length) {
      return Error("ERR Protocol error: invalid multibulk length");
    }
    if (cr + 2 > in.size()) return Result{Kind::kNeedMore, 0, {}};  // a bound under 21 bytes
    pos = cr + 2;
    if (n <= 0) {
      argv.clear();
      return Result{Kind::kCommand, pos, {}};
    }
    Reset();
    remaining_ = n;
    partial_.reserve(static_cast<size_t>(std::min<int64_t>(n, 1024)));
  }
  while (remaining_ > 0) {
    const std::string_view rest = in.substr(pos);
    if (bulk_len_ < 0) {
      const size_t cr = FindBeforeNul(rest, '\r');
      if (cr == std::string_view::npos) {
        if (rest.size() > options_.max_inline_bytes) {
          return Error("ERR Protocol error: too big bulk count string", pos);
        }
        break;
      }
      // As for the count line above.
      if (cr + 2 > rest.size() && cr <= options_.max_inline_bytes) break;
      if (rest[0] != '$') {
        const char got = rest[0] == '\r' || rest[0] == '\n' ? ' ' : rest[0];
        return Error(std::string("ERR Protocol error: expected '$', got '") + got + "'", pos);
      }
      int64_t len = 0;
      if (!ParseInt64(rest.substr(1, cr - 1), len) || len < 0 ||
          static_cast<uint64_t>(len) > options_.max_bulk_bytes) {
        return Error("ERR Protocol error: invalid bulk length", pos);
      }
      if (len > 16384 && unauthenticated) {
        return Error("ERR Protocol error: unauthenticated bulk length", pos);
      }
      if (bytes_ + static_cast<uint64_t>(len) > options_.max_command_bytes) {
        return Error("", pos);  // the query buffer limit: closed without an answer
      }
      if (cr + 2 > rest.size()) break;  // a bound under 21 bytes
      bulk_len_ = len;
      pos += cr + 2;
      continue;
    }
    const size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (rest.size() < need) break;
    partial_.emplace_back(rest.substr(0, static_cast<size_t>(bulk_len_)));
    bytes_ += static_cast<uint64_t>(bulk_len_);
    pos += need;
    bulk_len_ = -1;
    --remaining_;
  }
  if (remaining_ > 0) return Result{Kind::kNeedMore, pos, {}};
  argv.swap(partial_);
  Reset();
  return Result{Kind::kCommand, pos, {}};
}

}  // namespace apicached::redis
