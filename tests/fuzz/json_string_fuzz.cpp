// Fuzz target: the JSON string writer of the batch answers (http/value_codec.h). The input is the
// string, any bytes.
//
// Properties: AppendJsonStringIfUtf8 accepts exactly what IsValidUtf8 accepts; what it accepts it
// writes as nlohmann::json's dump() does; what it refuses leaves the output as it was; and
// AppendValueJson's member is valid JSON whatever the bytes and the content type.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "http/value_codec.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view s(reinterpret_cast<const char*>(data), size);
  std::string out = "[";
  const bool valid = apicached::http::IsValidUtf8(s);
  FUZZ_CHECK(apicached::http::AppendJsonStringIfUtf8(s, out) == valid);
  if (valid) {
    FUZZ_CHECK(out == "[" + nlohmann::json(std::string(s)).dump());
    std::string plain = "[";
    apicached::http::AppendJsonString(s, plain);
    FUZZ_CHECK(plain == out);
  } else {
    FUZZ_CHECK(out == "[");
  }
  for (bool json_type : {false, true}) {
    std::string member = "{";
    apicached::http::AppendValueJson(s, json_type, member);
    member += '}';
    FUZZ_CHECK(nlohmann::json::accept(member));
  }
  return 0;
}
