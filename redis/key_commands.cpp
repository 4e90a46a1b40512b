// DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, DBSIZE, FLUSHDB and FLUSHALL. Keys live in the
// namespaces of the selected database's KeyMapping; KEYS and SCAN seek each of them to the
// pattern's literal prefix and list only keys that map back to the namespace they were found
// in (so every listed key reads back with GET).
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include "cache/keyspace_figures.h"
#include "redis/command_util.h"
#include "redis/executor.h"
#include "redis/glob.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

constexpr size_t kKeysPage = 1000;

// The FLUSHDB/FLUSHALL [ASYNC|SYNC] argument; false: a syntax error. Both are the same here: a
// namespace clear takes constant time.
bool FlushArgsOk(const Argv& argv) {
  if (argv.size() == 1) return true;
  return argv.size() == 2 && (IEquals(argv[1], "async") || IEquals(argv[1], "sync"));
}

Reply ClearAll(Context& ctx, const std::vector<std::string>& namespaces) {
  for (const std::string& ns : namespaces) {
    if (Status s = ctx.cache.Clear(kRedis, ns); !s.ok()) return err::FromStatus(s);
  }
  return Reply::Ok();
}

// Redis's parseScanCursorOrReply: strtoul of the whole argument.
std::optional<uint64_t> ParseCursor(const std::string& s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) ||
      s.find('\0') != std::string::npos) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return v;
}

}  // namespace

Reply Del(Context& ctx, const Argv& argv) {
  std::map<std::string_view, std::set<std::string>> by_ns;
  for (size_t i = 1; i < argv.size(); ++i) by_ns[ctx.NamespaceOf(argv[i])].insert(argv[i]);
  int64_t deleted = 0;
  if (ctx.staged != nullptr) {
    for (const auto& [ns, keys] : by_ns) {
      for (const std::string& key : keys) {
        auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
          deleted += current != nullptr ? 1 : 0;
          return current != nullptr ? Mutation::Delete() : Mutation::Keep();
        });
        if (!r.ok()) return err::FromStatus(r.status());
      }
    }
    return Reply::Integer(deleted);
  }
  for (const auto& [ns, keys] : by_ns) {
    auto r = ctx.cache.DeleteMany(kRedis, ns, std::vector<std::string>(keys.begin(), keys.end()));
    if (!r.ok()) return err::FromStatus(r.status());
    deleted += static_cast<int64_t>(*r);
  }
  return Reply::Integer(deleted);
}

Reply Exists(Context& ctx, const Argv& argv) {
  const std::vector<std::string_view> keys(argv.begin() + 1, argv.end());
  auto items = ReadItems(ctx, keys);
  if (!items.ok()) return err::FromStatus(items.status());
  int64_t n = 0;
  for (const auto& item : *items) n += item ? 1 : 0;
  return Reply::Integer(n);
}

Reply Type(Context& ctx, const Argv& argv) {
  Reply error;
  const std::optional<std::string> v = GetValue(ctx, argv[1], error);
  if (error.is_error()) return error;
  return Reply::Simple(v ? "string" : "none");
}

Reply Keys(Context& ctx, const Argv& argv) {
  const std::string& pattern = argv[1];
  const std::string_view prefix = LiteralPrefix(pattern);
  std::vector<Reply> out;
  for (const std::string& ns : ctx.db.Namespaces()) {
    std::optional<std::string> after;
    do {
      auto page = ctx.cache.Scan(ns, prefix, after, kKeysPage);
      if (!page.ok()) return err::FromStatus(page.status());
      for (auto& [key, entry] : page->entries) {
        if (ctx.NamespaceOf(key) == ns && GlobMatch(pattern, key)) out.push_back(Reply::Bulk(key));
      }
      after = page->next_after;
    } while (after);
  }
  return Reply::Array(std::move(out));
}

Reply Scan(Context& ctx, const Argv& argv) {
  const std::optional<uint64_t> cursor = ParseCursor(argv[1]);
  if (!cursor) return err::Error(err::kInvalidCursor);
  int64_t count = 10;
  const std::string* pattern = nullptr;
  const std::string* type = nullptr;
  for (size_t j = 2; j < argv.size(); j += 2) {
    const bool has_next = j + 1 < argv.size();
    if (has_next && IEquals(argv[j], "count")) {
      const std::optional<int64_t> n = IntArg(argv[j + 1]);
      if (!n) return err::Error(err::kNotInteger);
      if (*n < 1) return err::Error(err::kSyntax);
      count = *n;
    } else if (has_next && IEquals(argv[j], "match")) {
      pattern = &argv[j + 1];
    } else if (has_next && IEquals(argv[j], "type")) {
      type = &argv[j + 1];
    } else {
      return err::Error(err::kSyntax);
    }
  }
  auto empty = [] { return Reply::Array({Reply::Bulk("0"), Reply::Array({})}); };
  ScanPosition pos;
  pos.db = ctx.client.db;
  if (*cursor != 0) {
    std::optional<ScanPosition> saved = ctx.executor.cursors().Take(*cursor);
    if (!saved || saved->db != ctx.client.db) return empty();
    pos = std::move(*saved);
  }
  const std::string_view prefix = pattern != nullptr ? LiteralPrefix(*pattern) : "";
  const bool strings_only = type == nullptr || IEquals(*type, "string");
  const std::vector<std::string>& namespaces = ctx.db.Namespaces();
  std::vector<Reply> keys;
  size_t examined = 0;
  while (pos.ns_index < namespaces.size() && examined < static_cast<uint64_t>(count)) {
    const std::string& ns = namespaces[pos.ns_index];
    std::optional<std::string> after;
    if (!pos.after.empty()) after = pos.after;
    const size_t limit = std::min<uint64_t>(static_cast<uint64_t>(count) - examined, 10'000);
    auto page = ctx.cache.Scan(ns, prefix, after, limit);
    if (!page.ok()) return err::FromStatus(page.status());
    for (auto& [key, entry] : page->entries) {
      ++examined;
      if (strings_only && ctx.NamespaceOf(key) == ns &&
          (pattern == nullptr || GlobMatch(*pattern, key))) {
        keys.push_back(Reply::Bulk(key));
      }
    }
    if (page->next_after) {
      pos.after = *page->next_after;
    } else {
      ++pos.ns_index;
      pos.after.clear();
    }
  }
  const uint64_t next =
      pos.ns_index < namespaces.size() ? ctx.executor.cursors().Save(std::move(pos)) : 0;
  return Reply::Array({Reply::Bulk(std::to_string(next)), Reply::Array(std::move(keys))});
}

Reply DbSize(Context& ctx, const Argv&) {
  int64_t total = 0;
  for (const std::string& ns : ctx.db.Namespaces()) {
    auto figures = cache::CountKeyspace(ctx.cache, ns);
    if (!figures.ok()) return err::FromStatus(figures.status());
    total += static_cast<int64_t>(figures->keys);
  }
  return Reply::Integer(total);
}

Reply FlushDb(Context& ctx, const Argv& argv) {
  if (!FlushArgsOk(argv)) return err::Error(err::kSyntax);
  return ClearAll(ctx, ctx.db.Namespaces());
}

Reply FlushAll(Context& ctx, const Argv& argv) {
  if (!FlushArgsOk(argv)) return err::Error(err::kSyntax);
  return ClearAll(ctx, ctx.executor.databases().all_namespaces());
}

}  // namespace apicached::redis::cmd
