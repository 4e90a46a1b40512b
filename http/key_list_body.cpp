#include "http/key_list_body.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace apicached::http {

namespace {

using nlohmann::json;

// nlohmann::json's SAX interface (json::sax_parse). `open_` counts the containers around the
// current event: the depth a DOM parse's callback sees for it.
class KeyListReader {
 public:
  explicit KeyListReader(int max_depth) : max_depth_(max_depth) {}

  bool null() { return Value(nullptr); }
  bool boolean(bool) { return Value(nullptr); }
  bool number_integer(json::number_integer_t) { return Value(nullptr); }
  bool number_unsigned(json::number_unsigned_t) { return Value(nullptr); }
  bool number_float(json::number_float_t, const json::string_t&) { return Value(nullptr); }
  bool binary(json::binary_t&) { return Value(nullptr); }
  bool string(json::string_t& s) { return Value(&s); }

  bool start_object(std::size_t) { return Open(/*array=*/false); }
  bool start_array(std::size_t) { return Open(/*array=*/true); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(json::string_t& k) {
    if (!DepthOk()) return false;
    if (open_ == 1) {  // a member of the body: a later "keys" replaces an earlier one
      in_keys_member_ = k == "keys";
      if (in_keys_member_) {
        keys_seen_ = true;
        keys_is_array_ = false;
        keys_.clear();
        elements_ = 0;
        all_strings_ = true;
      }
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error_ =
        Status::InvalidArgument(std::string("the request body is not valid JSON: ") + e.what());
    return false;
  }

  Result<std::vector<std::string>> Finish(size_t max_keys) && {
    if (!error_.ok()) return error_;
    if (!top_is_object_) return Status::InvalidArgument("the request body must be a JSON object");
    if (!keys_seen_ || !keys_is_array_) {
      return Status::InvalidArgument("the body needs \"keys\": an array of key strings");
    }
    if (elements_ > max_keys) {
      return Status::TooLarge("a batch holds at most " + std::to_string(max_keys) + " keys, got " +
                              std::to_string(elements_));
    }
    if (!all_strings_) return Status::InvalidArgument("keys must all be strings");
    return std::move(keys_);
  }

 private:
  bool DepthOk() {
    if (open_ <= max_depth_) return true;
    error_ = Status::InvalidArgument("the request body is nested deeper than " +
                                     std::to_string(max_depth_) + " levels");
    return false;
  }

  // An element of the "keys" array: a string is a key; anything else (a container counts
  // once, at its start) makes the list invalid but still counts towards its length.
  void Element(json::string_t* s) {
    ++elements_;
    if (s == nullptr) {
      all_strings_ = false;
    } else if (all_strings_) {
      keys_.push_back(std::move(*s));
    }
  }

  bool Value(json::string_t* s) {
    if (!DepthOk()) return false;
    if (open_ == 0) {
      top_is_object_ = false;  // a scalar body
    } else if (inside_keys_ && open_ == 2) {
      Element(s);
    }
    return true;
  }

  bool Open(bool array) {
    if (!DepthOk()) return false;
    if (open_ == 0) {
      top_is_object_ = !array;
    } else if (open_ == 1 && in_keys_member_) {
      keys_is_array_ = array;
      inside_keys_ = array;
    } else if (inside_keys_ && open_ == 2) {
      Element(nullptr);
    }
    ++open_;
    return true;
  }

  bool Close() {  // at the depth its Open passed
    --open_;
    if (open_ == 1) inside_keys_ = false;
    return true;
  }

  const int max_depth_;
  int open_ = 0;
  bool top_is_object_ = false;
  bool in_keys_member_ = false;  // the member being read is "keys"
  bool inside_keys_ = false;     // between the "keys" array's brackets
  bool keys_seen_ = false;
  bool keys_is_array_ = false;
  bool all_strings_ = true;
  size_t elements_ = 0;
  std::vector<std::string> keys_;
  Status error_ = Status::Ok();
};

// The common body read without a parser: `{"keys":[...]}`, the keys printable ASCII without a
// quote or backslash (nothing to unescape or to check as UTF-8), JSON whitespace between tokens,
// at most max_keys of them. nullopt for anything else, which the SAX read answers (its rules and
// messages); whatever this accepts, that read accepts with the same keys (tests/fuzz/key_list).
// nlohmann's lexer took about 8% of a 100-key _mget's CPU (docs/benchmarks.md).
std::optional<std::vector<std::string>> ReadPlainKeyList(std::string_view body, size_t max_keys) {
  size_t at = 0;
  const auto skip_space = [&] {
    while (at < body.size() &&
           (body[at] == ' ' || body[at] == '\t' || body[at] == '\n' || body[at] == '\r')) {
      ++at;
    }
  };
  const auto take = [&](std::string_view token) {
    skip_space();
    if (body.substr(at, token.size()) != token) return false;
    at += token.size();
    return true;
  };
  if (!take("{") || !take("\"keys\"") || !take(":") || !take("[")) return std::nullopt;
  std::vector<std::string> keys;
  if (!take("]")) {
    do {
      skip_space();
      if (at == body.size() || body[at] != '"') return std::nullopt;
      const size_t start = ++at;
      while (at < body.size() && body[at] >= 0x20 && body[at] <= 0x7e && body[at] != '"' &&
             body[at] != '\\') {
        ++at;
      }
      if (at == body.size() || body[at] != '"') return std::nullopt;
      if (keys.size() == max_keys) return std::nullopt;
      keys.emplace_back(body.substr(start, at - start));
      ++at;
    } while (take(","));
    if (!take("]")) return std::nullopt;
  }
  if (!take("}")) return std::nullopt;
  skip_space();
  if (at != body.size()) return std::nullopt;
  return keys;
}

}  // namespace

Result<std::vector<std::string>> ReadKeyList(std::string_view body, int max_depth,
                                             size_t max_keys) {
  if (max_depth >= 2) {
    if (auto plain = ReadPlainKeyList(body, max_keys)) return std::move(*plain);
  }
  KeyListReader reader(max_depth);
  json::sax_parse(body, &reader);
  return std::move(reader).Finish(max_keys);
}

}  // namespace apicached::http
