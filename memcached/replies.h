// The fixed reply lines of the memcached protocol, byte for byte as memcached 1.6.18 sends them
// (proto_text.c), each with its "\r\n".
#pragma once

#include <string_view>

namespace apicached::memcached::reply {

inline constexpr std::string_view kError = "ERROR\r\n";
inline constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format\r\n";
inline constexpr std::string_view kBadDataChunk = "CLIENT_ERROR bad data chunk\r\n";
inline constexpr std::string_view kTooLarge = "SERVER_ERROR object too large for cache\r\n";
inline constexpr std::string_view kInvalidExptime = "CLIENT_ERROR invalid exptime argument\r\n";
inline constexpr std::string_view kInvalidDelta = "CLIENT_ERROR invalid numeric delta argument\r\n";
inline constexpr std::string_view kNonNumeric =
    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n";
inline constexpr std::string_view kDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n";
inline constexpr std::string_view kStored = "STORED\r\n";
inline constexpr std::string_view kNotStored = "NOT_STORED\r\n";
inline constexpr std::string_view kExists = "EXISTS\r\n";
inline constexpr std::string_view kNotFound = "NOT_FOUND\r\n";
inline constexpr std::string_view kDeleted = "DELETED\r\n";
inline constexpr std::string_view kTouched = "TOUCHED\r\n";
inline constexpr std::string_view kEnd = "END\r\n";
inline constexpr std::string_view kOk = "OK\r\n";
inline constexpr std::string_view kMetaNoop = "MN\r\n";
inline constexpr std::string_view kMetaMiss = "EN\r\n";

// Meta flag errors.
inline constexpr std::string_view kDuplicateFlag = "CLIENT_ERROR duplicate flag\r\n";
inline constexpr std::string_view kInvalidFlag = "CLIENT_ERROR invalid flag\r\n";
inline constexpr std::string_view kInvalidOrDuplicateFlag =
    "CLIENT_ERROR invalid or duplicate flag\r\n";
inline constexpr std::string_view kBadKeyEncoding = "CLIENT_ERROR error decoding key\r\n";
inline constexpr std::string_view kBadToken = "CLIENT_ERROR bad token in command line format\r\n";
inline constexpr std::string_view kBadModeLength = "CLIENT_ERROR incorrect length for M token\r\n";
inline constexpr std::string_view kBadInitial = "CLIENT_ERROR invalid numeric initial value\r\n";
inline constexpr std::string_view kBadDelta = "CLIENT_ERROR invalid numeric delta value\r\n";
inline constexpr std::string_view kOpaqueTooLong = "CLIENT_ERROR opaque token too long\r\n";
inline constexpr std::string_view kFlagsTooLongMg = "CLIENT_ERROR options flags are too long\r\n";
inline constexpr std::string_view kFlagsTooLong = "CLIENT_ERROR options flags too long\r\n";
inline constexpr std::string_view kBadSetMode = "CLIENT_ERROR invalid mode for ms M token\r\n";
inline constexpr std::string_view kBadArithmeticMode =
    "CLIENT_ERROR invalid mode for ma M token\r\n";

// ASCII authentication (memcached -Y).
inline constexpr std::string_view kUnauthenticated = "CLIENT_ERROR unauthenticated\r\n";
inline constexpr std::string_view kAuthBadTermination =
    "CLIENT_ERROR bad command line termination\r\n";
inline constexpr std::string_view kAuthBadFormat =
    "CLIENT_ERROR bad authentication token format\r\n";
inline constexpr std::string_view kAuthFailure = "CLIENT_ERROR authentication failure\r\n";

// Errors of the store, in memcached's words where it has them.
inline constexpr std::string_view kOutOfMemory = "SERVER_ERROR out of memory storing object\r\n";
// A get/gets/gat/gats whose answer would pass ExecutorOptions::max_get_response_bytes.
inline constexpr std::string_view kGetResponseTooLarge =
    "SERVER_ERROR out of memory writing get response\r\n";

}  // namespace apicached::memcached::reply
