// The expiry a meta command's flag tokens leave at each position. memcached walks mg's and ma's
// tokens in request order (process_mget_command, process_marithmetic_command): T sets the
// item's expiry where it stands, N sets it on an item this command created (one created starts
// with none), and t prints and R compares the expiry as it stands at their own position. So
// `mg k t T30` shows the TTL before the touch and `mg k T30 t` the one after, and an item that
// `mg k N30 T60` creates lives 60 seconds, one that `mg k T60 N30` creates 30.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "memcached/request.h"

namespace apicached::memcached {

// The position of flag f in request.meta_flags; meta_flags.size() when absent.
size_t FlagPosition(const Request& request, char f);

// The exptime (T's or N's token) in effect before position pos, for an item the command
// `created`: the later of T and N before pos (N only when created). nullopt: neither, so the
// item's own expiry stands (none, for one just created).
std::optional<int32_t> ExptimeBefore(const Request& request, size_t pos, bool created);

// The exptime a created item ends with: the later of T and N (N is there: it created the item).
int32_t CreatedExptime(const Request& request);

// What mg's and ma's t shows for an exptime: -1 for 0 (never expires), the seconds for a
// relative one, the seconds until an absolute one; 0 for one already past (memcached prints
// an unsigned underflow there).
int64_t TtlOfExptime(int32_t exptime, int64_t now_ms);

}  // namespace apicached::memcached
