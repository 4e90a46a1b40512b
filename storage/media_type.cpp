#include "storage/media_type.h"

#include <algorithm>

namespace apicached {

namespace {

bool IsTokenChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool IsOws(char c) {
  return c == ' ' || c == '\t';
}

// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
bool IsQdText(unsigned char c) {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
         (c >= 0x5D && c <= 0x7E) || c >= 0x80;
}

// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
bool IsQuotedPairChar(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || c >= 0x80;
}

// A cursor over the text; each Parse* consumes what it matched and returns an error ("" if ok).
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::string Parse() {
    if (s_.empty()) return "it is empty";
    if (!Token()) return Where("the type must be a token");
    if (!Eat('/')) return Where("expected '/' after the type");
    if (!Token()) return Where("the subtype must be a token");
    while (i_ < s_.size()) {
      SkipOws();
      if (!Eat(';')) return Where("expected ';' before a parameter");
      SkipOws();
      if (i_ == s_.size() || s_[i_] == ';') continue;  // an empty parameter is allowed
      if (!Token()) return Where("a parameter name must be a token");
      if (!Eat('=')) return Where("expected '=' after a parameter name");
      if (i_ < s_.size() && s_[i_] == '"') {
        if (std::string e = QuotedString(); !e.empty()) return e;
      } else if (!Token()) {
        return Where("a parameter value must be a token or a quoted string");
      }
    }
    return "";
  }

 private:
  bool Token() {
    const size_t start = i_;
    while (i_ < s_.size() && IsTokenChar(static_cast<unsigned char>(s_[i_]))) ++i_;
    return i_ > start;
  }

  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  void SkipOws() {
    while (i_ < s_.size() && IsOws(s_[i_])) ++i_;
  }

  std::string QuotedString() {
    ++i_;  // the opening quote
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return "";
      }
      if (c == '\\') {
        if (i_ + 1 == s_.size() || !IsQuotedPairChar(static_cast<unsigned char>(s_[i_ + 1]))) {
          return Where("bad escape in a quoted string");
        }
        i_ += 2;
        continue;
      }
      if (!IsQdText(c)) return Where("byte not allowed in a quoted string");
      ++i_;
    }
    return Where("unterminated quoted string");
  }

  // The reason with the offending position and byte.
  std::string Where(const char* reason) const {
    std::string out = std::string(reason) + " at offset " + std::to_string(i_);
    if (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      static constexpr char kHex[] = "0123456789abcdef";
      if (c > 0x20 && c < 0x7f) {
        out += std::string(" ('") + static_cast<char>(c) + "')";
      } else {
        out += std::string(" (byte 0x") + kHex[c >> 4] + kHex[c & 0xf] + ")";
      }
    }
    return out;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

bool IsMediaType(std::string_view text) {
  return Parser(text).Parse().empty();
}

std::string MediaTypeError(std::string_view text) {
  std::string why = Parser(text).Parse();
  if (why.empty()) return why;
  return "content type is not a media type such as 'text/plain; charset=utf-8' (RFC 9110 8.3.1): " +
         why;
}

}  // namespace apicached
