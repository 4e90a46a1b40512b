// Drives a protocol session (memcached::Session, redis::Session) without sockets, as the server's
// connection does: the input arrives in two reads, split at its first byte's value (so that the
// parser's incremental state is exercised), each read is Produce'd, and the writes it deferred are
// committed as the server commits them (WriteCommitter::CommitWrites, then Committed).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/write_deferral.h"
#include "tests/fuzz/fuzz_check.h"

namespace apicached::fuzz {

// The replies the session wrote for `input`.
template <typename Session>
std::string DriveSession(Session& session, std::string_view input) {
  std::string out;
  bool close = false;
  auto read = [&](std::string& buf) {
    const size_t consumed = session.Produce(buf, out, close);
    FUZZ_CHECK(consumed <= buf.size());
    if (WriteCommitter* committer = session.PendingCommit()) {
      session.Committed(out, committer->CommitWrites());
    }
    buf.erase(0, consumed);
  };
  const size_t cut =
      input.empty() ? 0 : std::min<size_t>(static_cast<uint8_t>(input[0]), input.size());
  std::string buf(input.substr(0, cut));
  read(buf);
  if (!close) {
    buf.append(input.substr(cut));
    read(buf);
  }
  return out;
}

}  // namespace apicached::fuzz
