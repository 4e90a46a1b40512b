// Fuzz target: the stored-value decoder (storage/entry_codec.h), which reads bytes straight from
// RocksDB and so must survive anything a damaged or foreign database holds.
//
// Properties checked on every input:
//   - DecodeEntry and DecodeExpiry never crash and agree: both succeed or both fail, on the same
//     expiry (DecodeEntry may also refuse a content-type length that runs past the end).
//   - A decoded entry of the current format re-encodes to exactly the input bytes (the format
//     has no slack); a format-1 entry decodes with flags 0.
//   - The input read as fields (expiry, created, version, flags, content type, value) round-trips
//     through EncodeEntry -> DecodeEntry unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "storage/entry_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

int64_t TakeInt64(std::string_view* in) {
  uint64_t v = 0;
  const size_t n = std::min<size_t>(8, in->size());
  std::memcpy(&v, in->data(), n);
  in->remove_prefix(n);
  return static_cast<int64_t>(v);
}

void CheckDecode(std::string_view raw) {
  using apicached::DecodeEntry;
  using apicached::DecodeExpiry;
  auto entry = DecodeEntry(raw);
  auto expiry = DecodeExpiry(raw);
  if (!entry.ok()) {
    FUZZ_CHECK(entry.code() == apicached::Code::kInternal);
    FUZZ_CHECK(!entry.status().message().empty());
    return;
  }
  FUZZ_CHECK(expiry.ok());
  FUZZ_CHECK(*expiry == entry->info.expires_ms);
  auto header = apicached::DecodeHeaderBytes(raw);
  FUZZ_CHECK(header.ok());
  FUZZ_CHECK(entry->content_type.size() + entry->value.size() + *header == raw.size());
  if (*header == apicached::kEntryHeaderBytesV1) FUZZ_CHECK(entry->info.flags == 0);
  // Format 1 entries decode but are re-encoded in the current format.
  if (*header == apicached::kEntryHeaderBytes &&
      entry->content_type.size() <= apicached::kMaxContentTypeBytes) {
    FUZZ_CHECK(apicached::EncodeEntry(entry->info, entry->content_type, entry->value) == raw);
  }
}

void CheckRoundTrip(std::string_view in) {
  apicached::EntryInfo info;
  info.expires_ms = TakeInt64(&in);
  info.created_ms = TakeInt64(&in);
  info.version = static_cast<uint64_t>(TakeInt64(&in));
  info.flags = static_cast<uint32_t>(TakeInt64(&in));
  size_t ct_len = 0;
  if (!in.empty()) {
    ct_len = std::min<size_t>(static_cast<unsigned char>(in[0]), in.size() - 1);
    in.remove_prefix(1);
  }
  const std::string_view content_type = in.substr(0, ct_len);
  const std::string_view value = in.substr(ct_len);
  const std::string raw = apicached::EncodeEntry(info, content_type, value);
  auto entry = apicached::DecodeEntry(raw);
  FUZZ_CHECK(entry.ok());
  FUZZ_CHECK(entry->info.expires_ms == info.expires_ms);
  FUZZ_CHECK(entry->info.created_ms == info.created_ms);
  FUZZ_CHECK(entry->info.version == info.version);
  FUZZ_CHECK(entry->info.flags == info.flags);
  FUZZ_CHECK(entry->content_type == content_type);
  FUZZ_CHECK(entry->value == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckDecode(in);
  CheckRoundTrip(in);
  return 0;
}
