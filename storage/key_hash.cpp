#include "storage/key_hash.h"

#include <bit>
#include <cstring>
#include <random>

namespace apicached {

namespace {

uint64_t LoadLittleEndian64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
  return w;
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  void Round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void Absorb(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t RandomBits64() {
  std::random_device device;
  return (uint64_t{device()} << 32) | device();
}

uint64_t SipHash24(const SipHashKey& key, std::string_view data) {
  SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
             key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  const size_t n = data.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) s.Absorb(LoadLittleEndian64(data.data() + i));
  uint64_t last = uint64_t{n & 0xff} << 56;
  for (size_t j = 0; i + j < n; ++j) {
    last |= uint64_t{static_cast<unsigned char>(data[i + j])} << (8 * j);
  }
  s.Absorb(last);
  s.v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t KeyHash(std::string_view data) {
  static const SipHashKey key{RandomBits64(), RandomBits64()};
  return SipHash24(key, data);
}

}  // namespace apicached
