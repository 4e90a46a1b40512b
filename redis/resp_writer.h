// The RESP writer: a Reply (redis/reply.h) as the bytes Redis 7.0.15 sends, in RESP2 or, after
// HELLO 3, RESP3. No I/O; appends to a buffer.
//
// Texts of simple strings and errors never carry a line break onto the wire: CR and LF become
// spaces (Redis's addReplyErrorFormat does the same), so a client byte echoed in an error cannot
// end the line early. Doubles are written as Redis writes them ("%.17g", "inf", "-inf", "nan").
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "redis/reply.h"

namespace apicached::redis {

enum class RespVersion { kResp2 = 2, kResp3 = 3 };

// Appends reply to out.
void AppendReply(const Reply& reply, RespVersion version, std::string& out);

// The text of a double as Redis 7 shows it in replies (RESP3 ",..." and RESP2 bulk strings).
std::string FormatDouble(double d);

}  // namespace apicached::redis
