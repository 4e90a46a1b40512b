// The functions that run each command (see command.h), one group per file. Private to redis/.
#pragma once

#include "redis/command.h"

namespace apicached::redis::cmd {

#define APICACHED_REDIS_HANDLER(name) Reply name(Context& ctx, const Argv& argv)

// string_commands.cpp
APICACHED_REDIS_HANDLER(Get);
APICACHED_REDIS_HANDLER(Set);
APICACHED_REDIS_HANDLER(SetEx);
APICACHED_REDIS_HANDLER(PSetEx);
APICACHED_REDIS_HANDLER(SetNx);
APICACHED_REDIS_HANDLER(GetSet);
APICACHED_REDIS_HANDLER(GetDel);
APICACHED_REDIS_HANDLER(GetEx);
APICACHED_REDIS_HANDLER(MGet);
APICACHED_REDIS_HANDLER(MSet);
APICACHED_REDIS_HANDLER(MSetNx);
APICACHED_REDIS_HANDLER(Append);
APICACHED_REDIS_HANDLER(StrLen);
// counter_commands.cpp
APICACHED_REDIS_HANDLER(Incr);
APICACHED_REDIS_HANDLER(IncrBy);
APICACHED_REDIS_HANDLER(Decr);
APICACHED_REDIS_HANDLER(DecrBy);
APICACHED_REDIS_HANDLER(IncrByFloat);
// expiry_commands.cpp
APICACHED_REDIS_HANDLER(Expire);
APICACHED_REDIS_HANDLER(PExpire);
APICACHED_REDIS_HANDLER(ExpireAt);
APICACHED_REDIS_HANDLER(PExpireAt);
APICACHED_REDIS_HANDLER(Ttl);
APICACHED_REDIS_HANDLER(PTtl);
APICACHED_REDIS_HANDLER(ExpireTime);
APICACHED_REDIS_HANDLER(PExpireTime);
APICACHED_REDIS_HANDLER(Persist);
// key_commands.cpp
APICACHED_REDIS_HANDLER(Del);
APICACHED_REDIS_HANDLER(Exists);
APICACHED_REDIS_HANDLER(Type);
APICACHED_REDIS_HANDLER(Keys);
APICACHED_REDIS_HANDLER(Scan);
APICACHED_REDIS_HANDLER(DbSize);
APICACHED_REDIS_HANDLER(FlushDb);
APICACHED_REDIS_HANDLER(FlushAll);
// connection_commands.cpp
APICACHED_REDIS_HANDLER(Ping);
APICACHED_REDIS_HANDLER(Echo);
APICACHED_REDIS_HANDLER(Quit);
APICACHED_REDIS_HANDLER(Select);
APICACHED_REDIS_HANDLER(Auth);
APICACHED_REDIS_HANDLER(Hello);
APICACHED_REDIS_HANDLER(Reset);
APICACHED_REDIS_HANDLER(ClientSetName);
APICACHED_REDIS_HANDLER(ClientGetName);
APICACHED_REDIS_HANDLER(ClientId);
APICACHED_REDIS_HANDLER(ClientSetInfo);
APICACHED_REDIS_HANDLER(ClientInfo);
// server_commands.cpp
APICACHED_REDIS_HANDLER(Time);
APICACHED_REDIS_HANDLER(Info);
APICACHED_REDIS_HANDLER(ConfigGet);
APICACHED_REDIS_HANDLER(ConfigSet);
APICACHED_REDIS_HANDLER(ConfigResetStat);
APICACHED_REDIS_HANDLER(Command);
APICACHED_REDIS_HANDLER(CommandCount);
APICACHED_REDIS_HANDLER(CommandDocs);
APICACHED_REDIS_HANDLER(CommandInfo);
APICACHED_REDIS_HANDLER(CommandList);
// transaction.cpp
APICACHED_REDIS_HANDLER(Multi);
APICACHED_REDIS_HANDLER(Exec);
APICACHED_REDIS_HANDLER(Discard);
APICACHED_REDIS_HANDLER(Watch);
APICACHED_REDIS_HANDLER(Unwatch);
// scripting (executor.cpp routes to the script engine)
APICACHED_REDIS_HANDLER(Script);

#undef APICACHED_REDIS_HANDLER

// string_commands.cpp: the deadline (Unix ms; 0: never expires) of a SET that may be written in
// one store batch with other SETs (Executor::ExecuteSets): `SET key value`, or with a single
// EX, PX, EXAT or PXAT whose argument is valid and whose lifetime the cache layer accepts. An
// EXAT/PXAT deadline may be at or before now_ms. nullopt for every other SET (NX, XX, GET,
// KEEPTTL, a bad argument): those run through Set, for its reply.
std::optional<int64_t> BatchableSetDeadline(const cache::CacheService& cache, const Argv& argv,
                                            int64_t now_ms);

}  // namespace apicached::redis::cmd
