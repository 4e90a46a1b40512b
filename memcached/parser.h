// The memcached text and meta protocol parser: bytes from a client in, one typed Request (or the
// error line memcached would send) out. No I/O: a session feeds it the bytes it has buffered and
// acts on the result; tests feed it strings.
//
// Behaviour is memcached 1.6.18's (proto_text.c), checked byte for byte against the real server:
// lines end with "\n" (an "\r" before it is dropped); tokens are separated by single spaces
// (a tab is part of a token); command names are case-sensitive; a wrong number of tokens is
// "ERROR"; a bad argument is "CLIENT_ERROR ..." and, for the text protocol, silent when the line
// ends with noreply; a storage command whose line is bad leaves its data block to be read as the
// next command line, exactly as memcached does, while one whose block is too large has the block
// discarded (ParseResult::swallow) so that the connection stays in step.
//
// Where apicached is stricter than memcached (docs/memcached.md): base64 keys must be canonical
// padded base64.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "memcached/request.h"

namespace apicached::memcached {

struct ParserOptions {
  // The largest data block a storage command may carry (memcached's -I, 1 MiB by default). A
  // larger one is answered "SERVER_ERROR object too large for cache" and discarded.
  uint64_t max_item_bytes = 1 << 20;
  // memcached's rule for a line with no "\n" yet: past 2048 bytes the connection is closed
  // (without an answer), unless the line starts with "get " or "gets " (a large multi-get) ...
  size_t max_line_bytes = 2048;
  // ... which may grow to this many bytes before the connection is closed (memcached has no
  // bound here; apicached bounds what one connection may make it buffer).
  size_t max_get_line_bytes = 1 << 20;
};

struct ParseResult {
  enum class Kind {
    kNeedMore,  // no whole command yet: read more bytes and call again with all of them
    kCommand,   // `request` is filled; execute it
    kReply,     // answer `reply` (possibly empty: a silenced error) and go on
    kClose,     // close the connection (after sending `reply` if not empty)
  };
  Kind kind = Kind::kNeedMore;
  // Bytes of the buffer used (the line and, for a storage command, its data block).
  size_t consumed = 0;
  // Bytes to discard after those, as they arrive (a too large data block).
  uint64_t swallow = 0;
  // kReply/kClose: whole lines with their "\r\n"; static storage.
  std::string_view reply;
};

// Parses the first command in `buffer`. Fills `request` (reusing its storage) when the result is
// kCommand; its views point into `buffer`.
ParseResult Parse(std::string_view buffer, const ParserOptions& options, Request& request);

}  // namespace apicached::memcached
