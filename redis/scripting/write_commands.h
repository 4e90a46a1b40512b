// Which commands write, as Redis 7's command table flags them (CMD_WRITE), for the commands a
// script can reach on apicached. EVAL_RO, EVALSHA_RO and scripts with the `no-writes` shebang
// flag refuse these with Redis's "Write commands are not allowed from read-only scripts."
//
// Thread safety: a pure function.
#pragma once

#include <string_view>

namespace apicached::redis::scripting {

// True when `command` (any case) is a write command in Redis 7's command table.
bool IsWriteCommand(std::string_view command);

}  // namespace apicached::redis::scripting
