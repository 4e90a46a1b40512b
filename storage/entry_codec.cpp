#include "storage/entry_codec.h"

#include <cstring>

namespace apicached {

namespace {

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutFixed32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetFixed64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

uint32_t GetFixed32(std::string_view in, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

Result<size_t> DecodeHeaderBytes(std::string_view raw) {
  if (raw.empty()) return Status::Internal("stored entry is empty");
  const auto format = static_cast<uint8_t>(raw[0]);
  size_t header = 0;
  if (format == kEntryFormat) {
    header = kEntryHeaderBytes;
  } else if (format == kEntryFormatGrace) {
    header = kEntryHeaderBytesGrace;
  } else if (format == kEntryFormatV1) {
    header = kEntryHeaderBytesV1;
  } else {
    return Status::Internal("stored entry has unknown format " + std::to_string(format));
  }
  if (raw.size() < header) {
    return Status::Internal("stored entry is " + std::to_string(raw.size()) +
                            " bytes, shorter than its " + std::to_string(header) + "-byte header");
  }
  return header;
}

std::string EncodeEntry(const EntryInfo& info, std::string_view content_type,
                        std::string_view value) {
  std::string out;
  const bool grace = info.grace_seconds > 0;
  out.reserve(kEntryHeaderBytesGrace + content_type.size() + value.size());
  out.push_back(static_cast<char>(grace ? kEntryFormatGrace : kEntryFormat));
  PutFixed64(&out, static_cast<uint64_t>(info.expires_ms));
  PutFixed64(&out, static_cast<uint64_t>(info.created_ms));
  PutFixed64(&out, info.version);
  PutFixed32(&out, info.flags);
  if (grace) PutFixed32(&out, info.grace_seconds);
  const auto ct_len = static_cast<uint16_t>(content_type.size());
  out.push_back(static_cast<char>(ct_len & 0xff));
  out.push_back(static_cast<char>(ct_len >> 8));
  out.append(content_type);
  out.append(value);
  return out;
}

Result<Entry> DecodeEntry(std::string_view raw) {
  Result<size_t> header = DecodeHeaderBytes(raw);
  if (!header.ok()) return header.status();
  Entry entry;
  entry.info.expires_ms = static_cast<int64_t>(GetFixed64(raw, 1));
  entry.info.created_ms = static_cast<int64_t>(GetFixed64(raw, 9));
  entry.info.version = GetFixed64(raw, 17);
  if (*header != kEntryHeaderBytesV1) entry.info.flags = GetFixed32(raw, 25);
  if (*header == kEntryHeaderBytesGrace) entry.info.grace_seconds = GetFixed32(raw, 29);
  const size_t ct_at = *header - 2;  // the content-type length ends the header in both formats
  const size_t ct_len = static_cast<unsigned char>(raw[ct_at]) |
                        (static_cast<size_t>(static_cast<unsigned char>(raw[ct_at + 1])) << 8);
  if (ct_len > raw.size() - *header) {
    return Status::Internal("stored entry's content type (" + std::to_string(ct_len) +
                            " bytes) runs past its end");
  }
  entry.content_type.assign(raw.substr(*header, ct_len));
  entry.value.assign(raw.substr(*header + ct_len));
  return entry;
}

Result<int64_t> DecodeExpiry(std::string_view raw) {
  Result<size_t> header = DecodeHeaderBytes(raw);
  if (!header.ok()) return header.status();
  return static_cast<int64_t>(GetFixed64(raw, 1));
}

}  // namespace apicached
