#include "redis/errors.h"

namespace apicached::redis::err {

Reply WrongArity(std::string_view fullname) {
  return Reply::Error("ERR wrong number of arguments for '" + std::string(fullname) + "' command");
}

Reply InvalidExpire(std::string_view fullname) {
  return Reply::Error("ERR invalid expire time in '" + std::string(fullname) + "' command");
}

Reply FromStatus(const Status& status) {
  switch (status.code()) {
    case Code::kTooLarge:
      return Error("ERR string exceeds maximum allowed size (max-value-bytes)");
    case Code::kInvalidArgument:
      return Error("ERR invalid key or value for apicached (keys are 1 to max-key-bytes bytes)");
    case Code::kResourceExhausted:
      return Error("OOM command not allowed: the namespace limit is reached (max-namespaces)");
    case Code::kUnavailable:
      return Error("ERR apicached store temporarily unavailable");
    case Code::kPreconditionFailed:
      return Error(
          "ERR apicached transaction aborted: keys it read kept changing through another "
          "protocol; nothing was applied");
    default:
      return Error("ERR apicached internal error");
  }
}

}  // namespace apicached::redis::err
