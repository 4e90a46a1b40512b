// Internal to memcached/: a command line split into tokens the way memcached's
// tokenize_command() splits it.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace apicached::memcached::detail {

// memcached's MAX_TOKENS: 23 tokens and a terminal one; a line with more leaves the rest
// untokenized (only get/gets/gat/gats read it, in further rounds).
inline constexpr size_t kMaxTokens = 23;

struct Tokens {
  std::array<std::string_view, kMaxTokens> token;
  size_t size = 0;        // tokens in `token`
  std::string_view rest;  // what follows the last token when there were more than kMaxTokens
  // memcached's ntokens: the tokens plus its terminal token.
  size_t ntokens() const { return size + 1; }
  // The last real token ("" when none): where memcached looks for "noreply".
  std::string_view last() const { return size == 0 ? std::string_view() : token[size - 1]; }
};

// Splits on single spaces (runs of spaces are one separator; leading ones are skipped).
inline Tokens Tokenize(std::string_view line) {
  Tokens t;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i == line.size()) break;
    if (t.size == kMaxTokens) {
      t.rest = line.substr(i);
      break;
    }
    size_t end = line.find(' ', i);
    if (end == std::string_view::npos) end = line.size();
    t.token[t.size++] = line.substr(i, end - i);
    i = end;
  }
  return t;
}

// Keys: 1 to 250 bytes (memcached's only rule: any other byte, control bytes included, is part
// of the key, as in memcached 1.6; a space ends it, a line ends at "\n" or NUL).
inline bool IsValidKey(std::string_view key) {
  return !key.empty() && key.size() <= 250;
}

}  // namespace apicached::memcached::detail
