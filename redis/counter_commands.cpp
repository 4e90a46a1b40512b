// INCR, INCRBY, DECR, DECRBY and INCRBYFLOAT with Redis's signed 64-bit and long double rules
// (t_string.c): the value must read as Redis's string2ll / string2ld; a missing key counts as 0
// and is created without expiry; an existing key keeps its expiry, flags and content type.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "redis/command_util.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

// Replaces key's value by what `next` makes of the current one (nullptr: none); `next` returns
// nullopt after setting `error` to refuse. Answers with `reply` of the new value.
template <typename Next, typename ReplyOf>
Reply Rewrite(Context& ctx, std::string_view key, Next next, ReplyOf reply) {
  Reply error;
  std::string written;
  auto r = MutateKey(ctx, key, [&](const Entry* current) -> Result<Mutation> {
    std::optional<std::string> v = next(current, error);
    if (!v) return Mutation::Keep();
    written = std::move(*v);
    Mutation m;
    m.kind = Mutation::Kind::kPut;
    m.value = written;
    m.ttl_seconds = 0;  // a new key never expires
    m.keep_expiry = true;
    if (current != nullptr) {
      m.content_type = current->content_type;
      m.flags = current->info.flags;
    }
    return m;
  });
  if (!r.ok()) return err::FromStatus(r.status());
  if (error.is_error()) return error;
  return reply(written);
}

Reply AddInteger(Context& ctx, std::string_view key, int64_t delta) {
  int64_t result = 0;
  return Rewrite(
      ctx, key,
      [&](const Entry* current, Reply& error) -> std::optional<std::string> {
        int64_t value = 0;
        if (current != nullptr && !ParseInt64(current->value, value)) {
          error = err::Error(err::kNotInteger);
          return std::nullopt;
        }
        constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
        constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
        if ((delta < 0 && value < 0 && delta < kMin - value) ||
            (delta > 0 && value > 0 && delta > kMax - value)) {
          error = err::Error(err::kOverflow);
          return std::nullopt;
        }
        result = value + delta;
        return std::to_string(result);
      },
      [&](const std::string&) { return Reply::Integer(result); });
}

// Redis's string2ld: the whole string is one strtold number, no leading space, not NaN, and not
// out of range.
bool ParseLongDouble(const std::string& s, long double& out) {
  if (s.empty() || s.size() >= 5 * 1024 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  if (s.find('\0') != std::string::npos) return false;
  errno = 0;
  char* end = nullptr;
  const long double v = std::strtold(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  out = v;
  return true;
}

// Redis's ld2string(LD_STR_HUMAN): "%.17Lf" without trailing zeros (and dot); "-0" is "0".
std::string HumanLongDouble(long double v) {
  char buf[5 * 1024];
  int n = std::snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) return {};
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Reply IncrDecrBy(Context& ctx, const Argv& argv, bool decrement) {
  const std::optional<int64_t> delta = IntArg(argv[2]);
  if (!delta) return err::Error(err::kNotInteger);
  if (!decrement) return AddInteger(ctx, argv[1], *delta);
  if (*delta == std::numeric_limits<int64_t>::min()) {
    return err::Error("ERR decrement would overflow");
  }
  return AddInteger(ctx, argv[1], -*delta);
}

}  // namespace

Reply Incr(Context& ctx, const Argv& argv) {
  return AddInteger(ctx, argv[1], 1);
}

Reply Decr(Context& ctx, const Argv& argv) {
  return AddInteger(ctx, argv[1], -1);
}

Reply IncrBy(Context& ctx, const Argv& argv) {
  return IncrDecrBy(ctx, argv, false);
}

Reply DecrBy(Context& ctx, const Argv& argv) {
  return IncrDecrBy(ctx, argv, true);
}

Reply IncrByFloat(Context& ctx, const Argv& argv) {
  return Rewrite(
      ctx, argv[1],
      [&](const Entry* current, Reply& error) -> std::optional<std::string> {
        long double value = 0, incr = 0;
        if ((current != nullptr && !ParseLongDouble(current->value, value)) ||
            !ParseLongDouble(argv[2], incr)) {
          error = err::Error(err::kNotFloat);
          return std::nullopt;
        }
        value += incr;
        if (std::isnan(value) || std::isinf(value)) {
          error = err::Error("ERR increment would produce NaN or Infinity");
          return std::nullopt;
        }
        return HumanLongDouble(value);
      },
      [](const std::string& written) { return Reply::Bulk(written); });
}

}  // namespace apicached::redis::cmd
