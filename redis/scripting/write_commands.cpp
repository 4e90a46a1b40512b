#include "redis/scripting/write_commands.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace apicached::redis::scripting {

bool IsWriteCommand(std::string_view command) {
  // Sorted, lowercase. The string commands apicached has, the keyspace writes, and the write
  // commands of the other types (so a read-only script gets Redis's error for them too).
  static constexpr std::array<std::string_view, 52> kWrites = {
      "append",       "copy",     "decr",    "decrby",  "del",       "expire", "expireat",
      "flushall",     "flushdb",  "getdel",  "getex",   "getset",    "hdel",   "hincrby",
      "hincrbyfloat", "hmset",    "hset",    "hsetnx",  "incr",      "incrby", "incrbyfloat",
      "linsert",      "lpop",     "lpush",   "lrem",    "lset",      "ltrim",  "move",
      "mset",         "msetnx",   "persist", "pexpire", "pexpireat", "psetex", "rename",
      "renamenx",     "restore",  "rpop",    "rpush",   "sadd",      "set",    "setex",
      "setnx",        "setrange", "spop",    "srem",    "swapdb",    "unlink", "xadd",
      "zadd",         "zincrby",  "zrem",
  };
  if (command.size() > 16) return false;
  std::string lower(command);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::binary_search(kWrites.begin(), kWrites.end(), std::string_view(lower));
}

}  // namespace apicached::redis::scripting
