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

// TtlOfExptime of ExptimeBefore: what t shows at position pos; nullopt where the item's own
// expiry stands.
std::optional<int64_t> TtlBefore(const Request& request, size_t pos, bool created, int64_t now_ms);

// mg's R token as the remaining-TTL threshold under which the client wins the recache, or
// nullopt when none does. memcached compares the item's expiry with realtime(R), so it is R's
// TtlOfExptime: 0 never wins, and neither does a negative R or an absolute time now or past
// (realtime() makes them 1, and no live item expires before that).
std::optional<int64_t> RecacheThresholdSeconds(int32_t recache, int64_t now_ms);

}  // namespace apicached::memcached
