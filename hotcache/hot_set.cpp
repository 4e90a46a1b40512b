#include "hotcache/hot_set.h"

#include <cinttypes>
#include <cstdio>

namespace apicached::hot_set {
namespace {

constexpr std::string_view kMagic = "HS1";
constexpr size_t kPairHeader = 1 + 4;

void AppendPair(const std::string& ns, const std::string& key, std::string* out) {
  out->push_back(static_cast<char>(static_cast<uint8_t>(ns.size())));
  const auto n = static_cast<uint32_t>(key.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out->append(ns);
  out->append(key);
}

}  // namespace

std::vector<std::string> EncodeChunks(const KeyList& keys, size_t max_chunk_bytes) {
  std::vector<std::string> chunks;
  std::string current(kMagic);
  for (const auto& [ns, key] : keys) {
    const size_t pair_bytes = kPairHeader + ns.size() + key.size();
    if (current.size() > kMagic.size() && current.size() + pair_bytes > max_chunk_bytes) {
      chunks.push_back(std::move(current));
      current.assign(kMagic);
    }
    AppendPair(ns, key, &current);
  }
  if (current.size() > kMagic.size()) chunks.push_back(std::move(current));
  return chunks;
}

bool DecodeChunk(std::string_view chunk, KeyList* out) {
  if (!chunk.starts_with(kMagic)) return false;
  KeyList pairs;
  size_t pos = kMagic.size();
  while (pos < chunk.size()) {
    if (chunk.size() - pos < kPairHeader) return false;
    const size_t ns_len = static_cast<uint8_t>(chunk[pos]);
    uint32_t key_len = 0;
    for (int i = 0; i < 4; ++i) {
      key_len |= static_cast<uint32_t>(static_cast<uint8_t>(chunk[pos + 1 + i])) << (8 * i);
    }
    pos += kPairHeader;
    if (chunk.size() - pos < ns_len + static_cast<size_t>(key_len)) return false;
    pairs.emplace_back(std::string(chunk.substr(pos, ns_len)),
                       std::string(chunk.substr(pos + ns_len, key_len)));
    pos += ns_len + key_len;
  }
  out->insert(out->end(), std::make_move_iterator(pairs.begin()),
              std::make_move_iterator(pairs.end()));
  return true;
}

std::string EncodeIndex(const Index& index) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "v1 %" PRIu64 " %" PRIu64 " %" PRIu64, index.generation,
                index.chunks, index.keys);
  return buf;
}

std::optional<Index> DecodeIndex(std::string_view text) {
  Index index;
  const std::string s(text);
  int consumed = 0;
  if (std::sscanf(s.c_str(), "v1 %" SCNu64 " %" SCNu64 " %" SCNu64 "%n", &index.generation,
                  &index.chunks, &index.keys, &consumed) != 3 ||
      static_cast<size_t>(consumed) != s.size()) {
    return std::nullopt;
  }
  return index;
}

std::string GenerationPrefix(uint64_t generation) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "g%020" PRIu64 "/", generation);
  return buf;
}

std::string ChunkKey(uint64_t generation, uint64_t chunk) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "c%06" PRIu64, chunk);
  return GenerationPrefix(generation) + buf;
}

}  // namespace apicached::hot_set
