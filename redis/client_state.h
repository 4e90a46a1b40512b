// ClientState: what Redis remembers about one connection between its commands: the protocol
// version (HELLO), the selected database (SELECT), authentication, the client name, an open
// MULTI with its queued commands, and the keys it WATCHes. The session owns one; the executor
// reads and changes it while it runs that connection's commands.
//
// Thread safety: belongs to one connection; used from its I/O thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cache/key_watches.h"
#include "redis/reply.h"
#include "redis/resp_writer.h"

namespace apicached::redis {

// A key as WATCH saw it: its namespace and key, and its version and expiry then (nullopt: no
// live entry). EXEC fails when the key's state differs at EXEC or when a write changed it in
// between (watch: also a write undone since, as Redis).
struct WatchedKey {
  std::string ns;
  std::string key;
  std::optional<std::pair<uint64_t, int64_t>> seen;  // version, expires_ms
  cache::KeyWatches::Watch watch;                    // released with the WatchedKey
};

struct ClientState {
  uint64_t id = 0;  // CLIENT ID; unique per executor
  RespVersion resp = RespVersion::kResp2;
  int64_t db = 0;
  bool authenticated = true;
  std::string name;      // CLIENT SETNAME
  std::string lib_name;  // CLIENT SETINFO
  std::string lib_ver;
  bool in_multi = false;
  bool multi_failed = false;  // a command was refused while queueing: EXEC answers EXECABORT
  std::vector<Argv> queued;
  std::vector<WatchedKey> watched;
  bool close_after_reply = false;  // QUIT
};

}  // namespace apicached::redis
