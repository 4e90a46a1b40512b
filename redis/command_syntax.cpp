#include "redis/command_syntax.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace apicached::redis {
namespace {

constexpr std::pair<std::string_view, std::string_view> kSyntax[] = {
    // Sorted by name.
    {"append", "key value"},
    {"auth", "[username] password"},
    {"client|setinfo", "(LIB-NAME libname|LIB-VER libver)"},
    {"client|setname", "connection-name"},
    {"command|docs", "[command-name...]"},
    {"command|info", "[command-name...]"},
    {"command|list", "[FILTERBY (MODULE module-name|ACLCAT category|PATTERN pattern:pattern)]"},
    {"config|get", "parameter..."},
    {"config|set", "(parameter value)..."},
    {"decr", "key"},
    {"decrby", "key decrement:integer"},
    {"del", "key..."},
    {"echo", "message"},
    {"eval", "script numkeys:integer [key...] [arg...]"},
    {"eval_ro", "script numkeys:integer [key...] [arg...]"},
    {"evalsha", "sha1 numkeys:integer [key...] [arg...]"},
    {"evalsha_ro", "sha1 numkeys:integer [key...] [arg...]"},
    {"exists", "key..."},
    {"expire", "key seconds:integer [NX|XX|GT|LT]"},
    {"expireat", "key unix-time-seconds:unix-time [NX|XX|GT|LT]"},
    {"expiretime", "key"},
    {"flushall", "[ASYNC|SYNC]"},
    {"flushdb", "[ASYNC|SYNC]"},
    {"get", "key"},
    {"getdel", "key"},
    {"getex",
     "key [EX seconds:integer|PX milliseconds:integer|EXAT unix-time-seconds:unix-time|"
     "PXAT unix-time-milliseconds:unix-time|PERSIST]"},
    {"getset", "key value"},
    {"hello", "[protover:integer [AUTH username password] [SETNAME clientname]]"},
    {"incr", "key"},
    {"incrby", "key increment:integer"},
    {"incrbyfloat", "key increment:double"},
    {"info", "[section...]"},
    {"keys", "pattern:pattern"},
    {"mget", "key..."},
    {"mset", "(key value)..."},
    {"msetnx", "(key value)..."},
    {"persist", "key"},
    {"pexpire", "key milliseconds:integer [NX|XX|GT|LT]"},
    {"pexpireat", "key unix-time-milliseconds:unix-time [NX|XX|GT|LT]"},
    {"pexpiretime", "key"},
    {"ping", "[message]"},
    {"psetex", "key milliseconds:integer value"},
    {"pttl", "key"},
    {"scan", "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type]"},
    {"script|exists", "sha1..."},
    {"script|flush", "[ASYNC|SYNC]"},
    {"script|load", "script"},
    {"select", "index:integer"},
    {"set",
     "key value [NX|XX] [GET] [EX seconds:integer|PX milliseconds:integer|"
     "EXAT unix-time-seconds:unix-time|PXAT unix-time-milliseconds:unix-time|KEEPTTL]"},
    {"setex", "key seconds:integer value"},
    {"setnx", "key value"},
    {"strlen", "key"},
    {"ttl", "key"},
    {"type", "key"},
    {"unlink", "key..."},
    {"watch", "key..."},
};

struct Arg {
  std::string name;
  std::string type;  // string, integer, double, key, pattern, unix-time, pure-token, oneof, block
  std::string token;
  bool optional = false;
  bool multiple = false;
  std::vector<Arg> args;  // oneof, block
};

bool IsToken(std::string_view word) {
  return std::none_of(word.begin(), word.end(),
                      [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  // Alternatives separated by '|' up to `end` (0: the end of the syntax).
  std::vector<std::vector<Arg>> Alternatives(char end) {
    std::vector<std::vector<Arg>> alts(1);
    while (true) {
      SkipSpaces();
      if (pos_ >= s_.size() || s_[pos_] == end) break;
      if (s_[pos_] == '|') {
        ++pos_;
        alts.emplace_back();
        continue;
      }
      alts.back().push_back(Item());
    }
    if (end != 0 && pos_ < s_.size()) ++pos_;
    return alts;
  }

 private:
  void SkipSpaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }

  Arg Item() {
    Arg arg;
    if (s_[pos_] == '[' || s_[pos_] == '(') {
      const bool optional = s_[pos_] == '[';
      ++pos_;
      arg = Group(Alternatives(optional ? ']' : ')'));
      arg.optional = optional;
    } else {
      const size_t start = pos_;
      while (pos_ < s_.size() &&
             std::string_view(" |])").find(s_[pos_]) == std::string_view::npos &&
             !s_.substr(pos_).starts_with("...")) {
        ++pos_;
      }
      arg = Word(s_.substr(start, pos_ - start));
    }
    if (s_.substr(pos_).starts_with("...")) {
      pos_ += 3;
      arg.multiple = true;
    }
    return arg;
  }

  static Arg Word(std::string_view word) {
    Arg arg;
    if (IsToken(word)) {
      arg.token = std::string(word);
      arg.type = "pure-token";
      for (char c : word) {
        arg.name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
      return arg;
    }
    const size_t colon = word.find(':');
    arg.name = std::string(word.substr(0, colon));
    arg.type = colon != std::string_view::npos ? std::string(word.substr(colon + 1))
               : word == "key"                 ? "key"
                                               : "string";
    return arg;
  }

  // One alternative: a lone argument, TOKEN arg, TOKEN on a block, or a block.
  static Arg Sequence(std::vector<Arg> seq) {
    if (seq.size() == 1) return std::move(seq[0]);
    std::string token;
    if (seq.front().type == "pure-token") {
      token = seq.front().token;
      seq.erase(seq.begin());
    }
    Arg arg;
    if (seq.size() == 1) {
      arg = std::move(seq[0]);
    } else {
      arg.type = "block";
      arg.name = token.empty() ? seq.front().name : ToLower(token);
      arg.args = std::move(seq);
    }
    arg.token = token;
    return arg;
  }

  static Arg Group(std::vector<std::vector<Arg>> alts) {
    if (alts.size() == 1) return Sequence(std::move(alts[0]));
    Arg arg;
    arg.type = "oneof";
    for (auto& alt : alts) arg.args.push_back(Sequence(std::move(alt)));
    for (const Arg& a : arg.args) arg.name += (arg.name.empty() ? "" : "-") + a.name;
    return arg;
  }

  static std::string ToLower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Reply ToReply(const Arg& arg) {
  std::vector<Reply> m = {Reply::Bulk("name"), Reply::Bulk(arg.name), Reply::Bulk("type"),
                          Reply::Bulk(arg.type)};
  if (arg.type == "key") {
    m.push_back(Reply::Bulk("key_spec_index"));
    m.push_back(Reply::Integer(0));
  }
  if (!arg.token.empty()) {
    m.push_back(Reply::Bulk("token"));
    m.push_back(Reply::Bulk(arg.token));
  }
  std::vector<Reply> flags;
  if (arg.optional) flags.push_back(Reply::Simple("optional"));
  if (arg.multiple) flags.push_back(Reply::Simple("multiple"));
  if (!flags.empty()) {
    m.push_back(Reply::Bulk("flags"));
    m.push_back(Reply::Set(std::move(flags)));
  }
  if (!arg.args.empty()) {
    std::vector<Reply> sub;
    for (const Arg& a : arg.args) sub.push_back(ToReply(a));
    m.push_back(Reply::Bulk("arguments"));
    m.push_back(Reply::Array(std::move(sub)));
  }
  return Reply::Map(std::move(m));
}

}  // namespace

std::string_view SyntaxOf(std::string_view command) {
  const auto* it = std::lower_bound(std::begin(kSyntax), std::end(kSyntax), command,
                                    [](const std::pair<std::string_view, std::string_view>& e,
                                       std::string_view k) { return e.first < k; });
  return it != std::end(kSyntax) && it->first == command ? it->second : std::string_view();
}

Reply ArgumentsDoc(std::string_view syntax) {
  Parser parser(syntax);
  auto alts = parser.Alternatives(0);
  std::vector<Reply> out;
  for (Arg& arg : alts[0]) out.push_back(ToReply(arg));
  return Reply::Array(std::move(out));
}

}  // namespace apicached::redis
