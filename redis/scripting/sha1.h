// SHA-1 of a script body, as Redis names scripts (EVALSHA, SCRIPT LOAD, redis.sha1hex). A small
// implementation of FIPS 180-4's SHA-1: the build links no crypto library, and SHA-1 here is a
// name, not a security property.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace apicached::redis::scripting {

// The 20-byte digest of `data`.
std::array<uint8_t, 20> Sha1(std::string_view data);

// The digest as 40 lowercase hexadecimal digits (what Redis returns and matches).
std::string Sha1Hex(std::string_view data);

}  // namespace apicached::redis::scripting
