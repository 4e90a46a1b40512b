// Fuzz target: the "keys" list of a batch body (_mget, _mdelete) read without a DOM
// (http/key_list_body.h). The input is the body, any bytes.
//
// Property: ReadKeyList answers as the DOM reading it replaced (tests/http/key_list_reference.h):
// the same keys, or the same status code and message. Small bounds (depth 4, 8 keys) so that the
// fuzzer reaches them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/key_list_body.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/http/key_list_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr int kDepth = 4;
  constexpr size_t kMaxKeys = 8;
  const auto got = apicached::http::ReadKeyList(body, kDepth, kMaxKeys);
  const auto want = apicached::http::testing::ReadKeyListWithDom(body, kDepth, kMaxKeys);
  FUZZ_CHECK(got.ok() == want.ok());
  if (want.ok()) {
    FUZZ_CHECK(*got == *want);
  } else {
    FUZZ_CHECK(got.status().code() == want.status().code());
    FUZZ_CHECK(got.status().message() == want.status().message());
  }
  return 0;
}
