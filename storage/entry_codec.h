// How an entry is laid out in a RocksDB value. Private to storage/.
//
// Layout (all integers little-endian), format 2 (written since the memcached front, which needs
// the client flags):
//   [0]      format byte (2)
//   [1..8]   expires_ms, int64 (0: never expires)
//   [9..16]  created_ms, int64
//   [17..24] version, uint64
//   [25..28] flags, uint32 (memcached's client flags)
//   [29..30] content-type length N, uint16
//   [31..31+N) content type, then the value up to the end.
// Format 3 is format 2 plus grace_seconds, uint32, at [29..32], the content-type length at
// [33..34]; it is written only for entries with a grace period (EntryInfo::grace_seconds > 0),
// so every other entry stays in format 2 and older builds read them.
// Format 1 (data dirs written before) is the same without the flags: the content-type length at
// [25..26], the content type from [27]. It is still read (flags 0) and never written; an entry
// is rewritten in format 2 by its next write. The expiry sits at the same fixed offset in both,
// so the compaction filter and the properties collector read it without decoding the rest.
//
// Thread safety: pure functions. Decoding never crashes on arbitrary bytes; it returns Internal
// with what is wrong (a fuzz target exercises it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace apicached {

inline constexpr uint8_t kEntryFormat = 2;  // what EncodeEntry writes
inline constexpr size_t kEntryHeaderBytes = 31;
inline constexpr uint8_t kEntryFormatGrace = 3;  // written for entries with a grace period
inline constexpr size_t kEntryHeaderBytesGrace = 35;
inline constexpr uint8_t kEntryFormatV1 = 1;  // read only
inline constexpr size_t kEntryHeaderBytesV1 = 27;
inline constexpr size_t kMaxContentTypeBytes = 1024;

// Format kEntryFormat, or kEntryFormatGrace when info.grace_seconds > 0. REQUIRES:
// content_type.size() <= kMaxContentTypeBytes.
std::string EncodeEntry(const EntryInfo& info, std::string_view content_type,
                        std::string_view value);

// The whole entry, or Internal when raw is not a well-formed encoded entry.
Result<Entry> DecodeEntry(std::string_view raw);

// Only the expiry header field, or Internal when raw is too short or of an unknown format.
Result<int64_t> DecodeExpiry(std::string_view raw);

// The header size of raw's format (kEntryHeaderBytes or kEntryHeaderBytesV1), or Internal as
// DecodeExpiry.
Result<size_t> DecodeHeaderBytes(std::string_view raw);

// True when an entry expiring at expires_ms is expired at now_ms.
inline bool IsExpired(int64_t expires_ms, int64_t now_ms) {
  return expires_ms != 0 && now_ms >= expires_ms;
}

}  // namespace apicached
