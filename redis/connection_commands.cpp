// PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET and CLIENT SETNAME/GETNAME/ID/SETINFO/INFO
// (Redis 7.0.15's networking.c and acl.c texts).
#include "redis/command_util.h"
#include "redis/executor.h"
#include "redis/handlers.h"

namespace apicached::redis::cmd {
namespace {

constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

// The token is the password of Redis's one user, "default" (AUTH <token> names it
// implicitly); any other user name is refused, as Redis refuses a user it does not know.
bool Authenticate(Context& ctx, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  const Authenticator* auth = ctx.executor.auth();
  if (auth == nullptr || !auth->Required()) return true;  // Redis's nopass default user
  return auth->Check(user, password);
}

// Redis's clientSetName rule: printable ASCII without spaces ('!' to '~'); empty clears.
bool ValidName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

Reply SetName(Context& ctx, const std::string& name) {
  if (!ValidName(name)) {
    return err::Error("ERR Client names cannot contain spaces, newlines or special characters.");
  }
  ctx.client.name = name;
  return Reply::Ok();
}

}  // namespace

Reply Ping(Context&, const Argv& argv) {
  if (argv.size() > 2) return err::WrongArity("ping");
  return argv.size() == 2 ? Reply::Bulk(argv[1]) : Reply::Simple("PONG");
}

Reply Echo(Context&, const Argv& argv) {
  return Reply::Bulk(argv[1]);
}

Reply Quit(Context& ctx, const Argv&) {
  ctx.client.close_after_reply = true;
  return Reply::Ok();
}

Reply Select(Context& ctx, const Argv& argv) {
  const std::optional<int64_t> db = IntArg(argv[1]);
  if (!db || *db < INT32_MIN || *db > INT32_MAX) return err::Error(err::kNotInteger);
  if (ctx.executor.databases().Find(*db) == nullptr) return err::Error(err::kDbRange);
  ctx.client.db = *db;
  return Reply::Ok();
}

Reply Auth(Context& ctx, const Argv& argv) {
  if (argv.size() > 3) return err::Error(err::kSyntax);
  const Authenticator* auth = ctx.executor.auth();
  if (argv.size() == 2 && (auth == nullptr || !auth->Required())) {
    return err::Error(
        "ERR AUTH <password> called without any password configured for the default user. Are "
        "you sure your configuration is correct?");
  }
  const std::string_view user = argv.size() == 3 ? std::string_view(argv[1]) : "default";
  if (!Authenticate(ctx, user, argv.back())) return err::Error(kWrongPass);
  ctx.client.authenticated = true;
  return Reply::Ok();
}

Reply Hello(Context& ctx, const Argv& argv) {
  int64_t version = 0;
  size_t j = 1;
  if (argv.size() >= 2) {
    const std::optional<int64_t> v = IntArg(argv[j++]);
    if (!v) return err::Error("ERR Protocol version is not an integer or out of range");
    if (*v < 2 || *v > 3) return err::Error("NOPROTO unsupported protocol version");
    version = *v;
  }
  for (; j < argv.size(); ++j) {
    const size_t more = argv.size() - 1 - j;
    if (IEquals(argv[j], "auth") && more >= 2) {
      if (!Authenticate(ctx, argv[j + 1], argv[j + 2])) return err::Error(kWrongPass);
      ctx.client.authenticated = true;
      j += 2;
    } else if (IEquals(argv[j], "setname") && more >= 1) {
      if (Reply r = SetName(ctx, argv[j + 1]); r.is_error()) return r;
      ++j;
    } else {
      return Reply::Error("ERR Syntax error in HELLO option '" +
                          argv[j].substr(0, argv[j].find('\0')) + "'");
    }
  }
  if (!ctx.client.authenticated) {
    return err::Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
  }
  if (version != 0) ctx.client.resp = static_cast<RespVersion>(version);
  return Reply::Map({
      Reply::Bulk("server"),
      Reply::Bulk("redis"),
      Reply::Bulk("version"),
      Reply::Bulk(ctx.executor.options().redis_version),
      Reply::Bulk("proto"),
      Reply::Integer(static_cast<int64_t>(ctx.client.resp)),
      Reply::Bulk("id"),
      Reply::Integer(static_cast<int64_t>(ctx.client.id)),
      Reply::Bulk("mode"),
      Reply::Bulk("standalone"),
      Reply::Bulk("role"),
      Reply::Bulk("master"),
      Reply::Bulk("modules"),
      Reply::Array({}),
  });
}

Reply Reset(Context& ctx, const Argv&) {
  ClientState& c = ctx.client;
  c.in_multi = false;
  c.multi_failed = false;
  c.queued.clear();
  c.watched.clear();
  c.db = ctx.executor.databases().numbers().empty() ? 0 : ctx.executor.databases().numbers()[0];
  c.resp = RespVersion::kResp2;
  c.name.clear();
  const Authenticator* auth = ctx.executor.auth();
  c.authenticated = auth == nullptr || !auth->Required();
  return Reply::Simple("RESET");
}

Reply ClientSetName(Context& ctx, const Argv& argv) {
  return SetName(ctx, argv[2]);
}

Reply ClientGetName(Context& ctx, const Argv&) {
  return ctx.client.name.empty() ? Reply::Null() : Reply::Bulk(ctx.client.name);
}

Reply ClientId(Context& ctx, const Argv&) {
  return Reply::Integer(static_cast<int64_t>(ctx.client.id));
}

// Redis 7.2's CLIENT SETINFO (LIB-NAME / LIB-VER), accepted so that newer client libraries
// need no special case; 7.0.15 does not know it (docs/redis.md).
Reply ClientSetInfo(Context& ctx, const Argv& argv) {
  const std::string& value = argv[3];
  if (!ValidName(value)) {
    return Reply::Error("ERR " + argv[2].substr(0, argv[2].find('\0')) +
                        " cannot contain spaces, newlines or special characters.");
  }
  if (IEquals(argv[2], "lib-name")) {
    ctx.client.lib_name = value;
  } else if (IEquals(argv[2], "lib-ver")) {
    ctx.client.lib_ver = value;
  } else {
    return Reply::Error("ERR Unrecognized option '" + argv[2].substr(0, argv[2].find('\0')) + "'");
  }
  return Reply::Ok();
}

Reply ClientInfo(Context& ctx, const Argv&) {
  const ClientState& c = ctx.client;
  return Reply::Verbatim("id=" + std::to_string(c.id) + " name=" + c.name +
                         " db=" + std::to_string(c.db) +
                         " multi=" + (c.in_multi ? std::to_string(c.queued.size()) : "-1") +
                         " resp=" + std::to_string(static_cast<int>(c.resp)) +
                         " lib-name=" + c.lib_name + " lib-ver=" + c.lib_ver + "\n");
}

}  // namespace apicached::redis::cmd
