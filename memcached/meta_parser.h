// Internal to memcached/: the meta commands' part of Parse() (memcached/parser.h).
#pragma once

#include <string_view>

#include "memcached/parser.h"
#include "memcached/request.h"
#include "memcached/tokens.h"

namespace apicached::memcached::detail {

// tokens: the command line's tokens, tokens.token[0] being a two-byte meta command "m?".
// line_bytes: the bytes of the line with its "\n" (consumed by every result but kNeedMore).
// after_line: the bytes that follow the line (ms's data block).
ParseResult ParseMeta(const Tokens& tokens, size_t line_bytes, std::string_view after_line,
                      const ParserOptions& options, Request& request);

// Shared with the text commands: a data block of `length` bytes (without its "\r\n") after the
// line. kNeedMore until it is all there; kReply kBadDataChunk when it does not end in "\r\n"
// (silent if quiet); else kCommand with request.data set.
ParseResult ReadDataBlock(size_t line_bytes, std::string_view after_line, size_t length, bool quiet,
                          Request& request);

}  // namespace apicached::memcached::detail
