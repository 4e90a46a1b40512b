// ReadKeyList: the "keys" array of a batch request body (_mget, _mdelete), read straight from the
// body's bytes through nlohmann::json's SAX interface instead of a DOM: a 100-key _mget otherwise
// built a heap string per key in the DOM before copying it out (docs/benchmarks.md, "_mget
// without copies"). The common body, `{"keys":[...]}` with keys of printable ASCII without
// escapes, is read by a plain scan before that, with the same result (docs/benchmarks.md, "The
// entries' bytes at once").
//
// The rules and messages are those of a DOM parse with a depth limit followed by a lookup of
// body["keys"]: the body is a JSON object nested at most max_depth levels; its "keys" member (the
// last one, if several) is an array of at most max_keys elements, every one a string.
//
// Thread safety: a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace apicached::http {

Result<std::vector<std::string>> ReadKeyList(std::string_view body, int max_depth, size_t max_keys);

}  // namespace apicached::http
