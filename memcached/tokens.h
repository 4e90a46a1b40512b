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

// Keys: at most 250 bytes (memcached's limit) and, apicached's rule, no control byte.
inline bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 250) return false;
  for (unsigned char c : key)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace apicached::memcached::detail
