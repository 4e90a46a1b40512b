#include "storage/entry_codec.h"

#include <cstring>

namespace apicached {

namespace {

void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetFixed64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

Status CheckHeader(std::string_view raw) {
  if (raw.size() < kEntryHeaderBytes) {
    return Status::Internal("stored entry is " + std::to_string(raw.size()) +
                            " bytes, shorter than its " + std::to_string(kEntryHeaderBytes) +
                            "-byte header");
  }
  if (static_cast<uint8_t>(raw[0]) != kEntryFormat) {
    return Status::Internal("stored entry has unknown format " +
                            std::to_string(static_cast<uint8_t>(raw[0])));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeEntry(const EntryInfo& info, std::string_view content_type,
                        std::string_view value) {
  std::string out;
  out.reserve(kEntryHeaderBytes + content_type.size() + value.size());
  out.push_back(static_cast<char>(kEntryFormat));
  PutFixed64(&out, static_cast<uint64_t>(info.expires_ms));
  PutFixed64(&out, static_cast<uint64_t>(info.created_ms));
  PutFixed64(&out, info.version);
  const auto ct_len = static_cast<uint16_t>(content_type.size());
  out.push_back(static_cast<char>(ct_len & 0xff));
  out.push_back(static_cast<char>(ct_len >> 8));
  out.append(content_type);
  out.append(value);
  return out;
}

Result<Entry> DecodeEntry(std::string_view raw) {
  if (Status s = CheckHeader(raw); !s.ok()) return s;
  Entry entry;
  entry.info.expires_ms = static_cast<int64_t>(GetFixed64(raw, 1));
  entry.info.created_ms = static_cast<int64_t>(GetFixed64(raw, 9));
  entry.info.version = GetFixed64(raw, 17);
  const size_t ct_len = static_cast<unsigned char>(raw[25]) |
                        (static_cast<size_t>(static_cast<unsigned char>(raw[26])) << 8);
  if (ct_len > raw.size() - kEntryHeaderBytes) {
    return Status::Internal("stored entry's content type (" + std::to_string(ct_len) +
                            " bytes) runs past its end");
  }
  entry.content_type.assign(raw.substr(kEntryHeaderBytes, ct_len));
  entry.value.assign(raw.substr(kEntryHeaderBytes + ct_len));
  return entry;
}

Result<int64_t> DecodeExpiry(std::string_view raw) {
  if (Status s = CheckHeader(raw); !s.ok()) return s;
  return static_cast<int64_t>(GetFixed64(raw, 1));
}

}  // namespace apicached
