// RespParser: bytes from a Redis client in, one command (an Argv) out. No I/O: a session feeds it
// the bytes it has buffered and acts on the result; tests feed it strings.
//
// Both request forms of Redis 7.0.15 (networking.c processMultibulkBuffer/processInlineBuffer):
//   multibulk  "*<n>\r\n" then n times "$<len>\r\n<len bytes>\r\n" (what every client library
//              sends); as in Redis the two bytes after a bulk are skipped unchecked, a count line
//              ends at its first '\r' (the next byte is taken as its '\n'), and "*0"/"*-1" are no
//              command at all;
//   inline     any other first byte: one line up to '\n' (a '\r' before it dropped), split as
//              redis-cli splits (blanks separate; "..." with \n \r \t \b \a \xHH escapes; '...'
//              with \'); an empty line is no command.
// Several commands in one buffer (a pipeline) come out one per call, in order.
//
// Bounds, each answered with Redis's own error, after which the connection is closed (Redis's
// CLIENT_CLOSE_AFTER_REPLY on a protocol error):
//   "ERR Protocol error: too big inline request"        inline line over max_inline_bytes
//   "ERR Protocol error: too big mbulk count string"    "*..." line over max_inline_bytes
//   "ERR Protocol error: too big bulk count string"     "$..." line over max_inline_bytes
//   "ERR Protocol error: invalid multibulk length"      count not a number or > max_array_length
//   "ERR Protocol error: expected '$', got 'X'"         (X: the byte; CR/LF shown as a space)
//   "ERR Protocol error: invalid bulk length"           negative, not a number, > max_bulk_bytes
//   "ERR Protocol error: unbalanced quotes in request"  inline quoting
//   "ERR Protocol error: unauthenticated multibulk length"  > 10 arguments before AUTH
//   "ERR Protocol error: unauthenticated bulk length"       a bulk > 16384 bytes before AUTH
// and one bound with no answer: a command whose arguments pass max_command_bytes closes the
// connection (Redis's client-query-buffer-limit). An inline command is held to the same two
// bounds (more than max_array_length arguments: "too big inline request"); with the default
// options its line bound keeps it far inside them.
//
// Incremental: the parser keeps the arguments of an unfinished multibulk command, so each byte is
// looked at once however the command is split over reads.
//
// Thread safety: one parser per connection; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "redis/reply.h"

namespace apicached::redis {

struct RespParserOptions {
  uint64_t max_bulk_bytes = 512ull << 20;  // Redis's proto-max-bulk-len (512 MiB)
  size_t max_inline_bytes = 64 << 10;      // Redis's PROTO_INLINE_MAX_SIZE (64 KiB)
  // Arguments of one command. Redis allows INT_MAX; apicached bounds what one command makes it
  // allocate (a std::string per argument) at 1Mi, far above any real MSET/DEL/MGET.
  int64_t max_array_length = 1 << 20;
  uint64_t max_command_bytes = 1ull << 30;  // Redis's client-query-buffer-limit (1 GiB)
};

class RespParser {
 public:
  struct Result {
    enum class Kind {
      kNeedMore,  // no whole command yet: read more, call again with the unconsumed bytes
      kCommand,   // the Argv passed in holds the command
      kError,     // answer `error` (a Reply error text, empty: none) and close the connection
    };
    Kind kind = Kind::kNeedMore;
    // Bytes at the front of the input the parser is done with: drop them before the next call
    // (also on kNeedMore: arguments already taken are kept inside the parser).
    size_t consumed = 0;
    std::string error;
  };

  explicit RespParser(RespParserOptions options = {}) : options_(options) {}

  // Parses from the start of `in` (the bytes not consumed by earlier calls). `unauthenticated`
  // applies Redis's tighter bounds for a connection that has not passed AUTH yet. On kCommand,
  // argv is replaced by the command (its storage reused).
  Result Parse(std::string_view in, bool unauthenticated, Argv& argv);

  // True while a multibulk command is partly read (a session uses its read timeout then).
  bool in_command() const { return remaining_ > 0; }

 private:
  Result ParseInline(std::string_view in, Argv& argv);
  Result ParseMultibulk(std::string_view in, bool unauthenticated, Argv& argv);
  void Reset();

  RespParserOptions options_;
  int64_t remaining_ = 0;  // arguments still to read of the current multibulk command
  int64_t bulk_len_ = -1;  // length of the bulk being read; -1: its "$" line is next
  uint64_t bytes_ = 0;     // argument bytes of the current command so far
  Argv partial_;           // the arguments read so far
};

// Redis's string2ll: an optional '-', then "0" or a digit 1-9 followed by digits, nothing else,
// within signed 64 bits and under 21 bytes. False for anything else ("+1", " 1", "01", "-0", "").
bool ParseInt64(std::string_view s, int64_t& out);

// Splits an inline command line as Redis's sdssplitargs; false on unbalanced quotes.
bool SplitInline(std::string_view line, Argv& out);

}  // namespace apicached::redis
