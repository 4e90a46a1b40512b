// RocksStore: what a write may hold (key, value, content type, ttl) and when it expires.
#include <mutex>

#include "storage/entry_codec.h"
#include "storage/media_type.h"
#include "storage/rocks_store.h"

namespace apicached {

Status RocksStore::ValidateKey(std::string_view key) const {
  if (key.empty()) return Status::InvalidArgument("key is empty");
  if (key.size() > options_.max_key_bytes) {
    return Status::InvalidArgument("key is " + std::to_string(key.size()) + " bytes; at most " +
                                   std::to_string(options_.max_key_bytes) + " are allowed");
  }
  return Status::Ok();
}

Status RocksStore::ValidateWrite(std::string_view key, std::string_view value,
                                 std::string_view content_type) const {
  if (Status s = ValidateKey(key); !s.ok()) return s;
  if (value.size() > options_.max_value_bytes) {
    return Status::TooLarge("value is " + std::to_string(value.size()) + " bytes; at most " +
                            std::to_string(options_.max_value_bytes) + " are allowed");
  }
  if (content_type.size() > kMaxContentTypeBytes) {
    return Status::InvalidArgument("content type is " + std::to_string(content_type.size()) +
                                   " bytes; at most " + std::to_string(kMaxContentTypeBytes) +
                                   " are allowed");
  }
  // The store is where every front's every write path meets, so the header-safety rule for
  // content types lives here (see media_type.h); empty still means "none given".
  if (!content_type.empty()) {
    if (std::string why = MediaTypeError(content_type); !why.empty()) {
      return Status::InvalidArgument(why);
    }
  }
  return Status::Ok();
}

int64_t RocksStore::DefaultTtlSeconds(std::string_view ns) const {
  std::lock_guard lock(ttl_mu_);
  auto it = ttl_.namespace_ttl_seconds.find(std::string(ns));
  return it != ttl_.namespace_ttl_seconds.end() ? it->second : ttl_.default_ttl_seconds;
}

Result<int64_t> RocksStore::ExpiresAt(std::string_view ns, std::optional<int64_t> ttl,
                                      int64_t now_ms) const {
  const int64_t seconds = ttl ? *ttl : DefaultTtlSeconds(ns);
  if (seconds < 0) {
    return Status::InvalidArgument("ttl must not be negative (got " + std::to_string(seconds) +
                                   ")");
  }
  if (seconds == 0) return int64_t{0};
  int64_t ms = 0;
  int64_t at = 0;
  if (__builtin_mul_overflow(seconds, int64_t{1000}, &ms) ||
      __builtin_add_overflow(now_ms, ms, &at)) {
    return Status::InvalidArgument("ttl of " + std::to_string(seconds) + " seconds is too large");
  }
  return at;
}

int64_t RocksStore::WithGrace(int64_t expires_ms, uint32_t grace_seconds) {
  if (expires_ms == 0 || grace_seconds == 0) return expires_ms;
  return expires_ms + int64_t{grace_seconds} * 1000;
}

void RocksStore::SetTtlDefaults(TtlDefaults defaults) {
  std::lock_guard lock(ttl_mu_);
  ttl_ = std::move(defaults);
}

}  // namespace apicached
