// The optional first line of an EVAL script, Redis 7's "#!lua flags=no-writes,allow-oom": which
// engine, and the script's flags. Without a shebang a script runs in Redis's EVAL compatibility
// mode (it may write, except under EVAL_RO).
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace apicached::redis::scripting {

enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,        // no-writes
  kScriptAllowOom = 1u << 1,        // allow-oom (accepted, no effect here)
  kScriptAllowStale = 1u << 2,      // allow-stale (accepted, no effect here)
  kScriptNoCluster = 1u << 3,       // no-cluster (accepted, no effect here)
  kScriptAllowCrossSlot = 1u << 4,  // allow-cross-slot-keys (accepted, no effect here)
  kScriptEvalCompat = 1u << 31,     // no shebang line
};

struct Shebang {
  uint32_t flags = kScriptEvalCompat;
  size_t length = 0;  // bytes of the shebang line before its '\n' (0 without one)
  std::string error;  // Redis's message (without "ERR ") when the line is not valid
};

Shebang ParseShebang(std::string_view body);

}  // namespace apicached::redis::scripting
