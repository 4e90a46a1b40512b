// storage/key_hash: SipHash-2-4 against the reference vectors, and keys that an attacker can
// pick offline to collide under std::hash do not collide under KeyHash.
#include "storage/key_hash.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace apicached {
namespace {

// The reference implementation's vectors: key 00 01 .. 0f, message 00 01 .. (n-1).
TEST(KeyHashTest, SipHash24MatchesTheReferenceVectors) {
  const SipHashKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string message;
  for (int i = 0; i < 17; ++i) message.push_back(static_cast<char>(i));
  const std::vector<std::pair<size_t, uint64_t>> vectors = {
      {0, 0x726fdb47dd0e0e31ULL},  {1, 0x74f839c593dc67fdULL},  {2, 0x0d6c8009d9a94f5aULL},
      {7, 0xab0200f58b01d137ULL},  {8, 0x93f5f5799a932462ULL},  {9, 0x9e0082df0ba9e4b0ULL},
      {15, 0xa129ca6149be45e5ULL}, {16, 0x3f2acc7f57c29bdbULL},
  };
  for (const auto& [n, want] : vectors) {
    EXPECT_EQ(SipHash24(key, std::string_view(message).substr(0, n)), want) << "length " << n;
  }
}

TEST(KeyHashTest, KeyHashIsOneFunctionWithinTheProcess) {
  EXPECT_EQ(KeyHash("migo:tax-id:123"), KeyHash(std::string("migo:tax-id:123")));
  EXPECT_NE(KeyHash("migo:tax-id:123"), KeyHash("migo:tax-id:124"));
  EXPECT_EQ(KeyHasher{}("abc"), static_cast<size_t>(KeyHash("abc")));
}

// A table of 2048 slots indexed by the hash's low bits (as the batch routes' repeated-key check
// is): 1000 keys found by trying names until std::hash puts each in slot 0 are one probe run
// of 1000 under std::hash, and spread over hundreds of slots under KeyHash (about 790 expected
// for random slots).
TEST(KeyHashTest, KeysCollidingUnderStdHashSpreadUnderKeyHash) {
  constexpr size_t kMask = 2047;
  std::vector<std::string> flood;
  for (uint64_t i = 0; flood.size() < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    if ((std::hash<std::string_view>{}(key)&kMask) == 0) flood.push_back(std::move(key));
  }
  std::set<size_t> std_slots, keyed_slots;
  for (const std::string& key : flood) {
    std_slots.insert(std::hash<std::string_view>{}(key)&kMask);
    keyed_slots.insert(KeyHash(key) & kMask);
  }
  EXPECT_EQ(std_slots.size(), 1u);
  EXPECT_GT(keyed_slots.size(), 600u);
}

}  // namespace
}  // namespace apicached
