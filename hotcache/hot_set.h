// The hot-set record's encoding (detail of TieredStore; nothing outside hotcache/ includes it).
//
// A record lists (namespace, key) pairs, most recent first. It is stored in the internal
// namespace ".hotset" as chunk values under "g<generation>/c<index>" plus one "index" value
// naming the current generation, written last, so a record is replaced atomically even when its
// chunks take several batches. Chunk format: "HS1" then, per pair, the namespace length (1
// byte), the key length (4 bytes little-endian), the namespace, the key.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apicached::hot_set {

using KeyList = std::vector<std::pair<std::string, std::string>>;

struct Index {
  uint64_t generation = 0;
  uint64_t chunks = 0;
  uint64_t keys = 0;
};

inline constexpr std::string_view kIndexKey = "index";

// Chunks of at most max_chunk_bytes each (a single pair longer than that gets a chunk of its
// own). REQUIRES: every namespace is at most 255 bytes.
std::vector<std::string> EncodeChunks(const KeyList& keys, size_t max_chunk_bytes);
// Appends the chunk's pairs to out; false (and out unchanged) when the chunk is malformed.
bool DecodeChunk(std::string_view chunk, KeyList* out);

std::string EncodeIndex(const Index& index);
std::optional<Index> DecodeIndex(std::string_view text);

// "g00000000000000000042/": every chunk key of a generation starts with it.
std::string GenerationPrefix(uint64_t generation);
std::string ChunkKey(uint64_t generation, uint64_t chunk);

}  // namespace apicached::hot_set
