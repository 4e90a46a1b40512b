#include "redis/glob.h"

#include <cctype>
#include <cstddef>
#include <utility>

namespace apicached::redis {
namespace {

// A faithful port of Redis 7.0's stringmatchlen_impl on indices. Past its end the pattern reads
// as NUL bytes, as the C original reads its terminator.
class Matcher {
 public:
  Matcher(std::string_view pattern, bool nocase) : pat_(pattern), nocase_(nocase) {}

  bool Match(size_t p, std::string_view s) {
    ptrdiff_t plen = static_cast<ptrdiff_t>(pat_.size() - p);
    size_t i = 0;
    size_t slen = s.size();
    while (plen > 0 && slen > 0) {
      switch (at(p)) {
        case '*':
          while (plen > 0 && at(p + 1) == '*') {
            ++p;
            --plen;
          }
          if (plen == 1) return true;
          while (slen > 0) {
            if (Match(p + 1, s.substr(i, slen))) return true;
            if (skip_longer_) return false;
            ++i;
            --slen;
          }
          skip_longer_ = true;
          return false;
        case '?':
          ++i;
          --slen;
          break;
        case '[': {
          ++p;
          --plen;
          const bool negate = at(p) == '^';
          if (negate) {
            ++p;
            --plen;
          }
          bool match = false;
          while (true) {
            if (at(p) == '\\' && plen >= 2) {
              ++p;
              --plen;
              if (at(p) == s[i]) match = true;
            } else if (at(p) == ']') {
              break;
            } else if (plen == 0) {
              --p;
              ++plen;
              break;
            } else if (plen >= 3 && at(p + 1) == '-') {
              int start = Byte(at(p)), end = Byte(at(p + 2)), c = Byte(s[i]);
              if (start > end) std::swap(start, end);
              if (nocase_) {
                start = std::tolower(start);
                end = std::tolower(end);
                c = std::tolower(c);
              }
              p += 2;
              plen -= 2;
              if (c >= start && c <= end) match = true;
            } else if (Same(at(p), s[i])) {
              match = true;
            }
            ++p;
            --plen;
          }
          if (negate) match = !match;
          if (!match) return false;
          ++i;
          --slen;
          break;
        }
        case '\\':
          if (plen >= 2) {
            ++p;
            --plen;
          }
          [[fallthrough]];
        default:
          if (!Same(at(p), s[i])) return false;
          ++i;
          --slen;
          break;
      }
      ++p;
      --plen;
      if (slen == 0) {
        while (at(p) == '*') {
          ++p;
          --plen;
        }
        break;
      }
    }
    return plen == 0 && slen == 0;
  }

 private:
  static int Byte(char c) { return static_cast<unsigned char>(c); }
  char at(size_t i) const { return i < pat_.size() ? pat_[i] : '\0'; }
  bool Same(char a, char b) const {
    return nocase_ ? std::tolower(Byte(a)) == std::tolower(Byte(b)) : a == b;
  }

  std::string_view pat_;
  bool nocase_;
  bool skip_longer_ = false;
};

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase) {
  return Matcher(pattern, nocase).Match(0, text);
}

std::string_view LiteralPrefix(std::string_view pattern) {
  return pattern.substr(0, std::min(pattern.size(), pattern.find_first_of("*?[\\")));
}

}  // namespace apicached::redis
