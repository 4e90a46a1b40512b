// The one error currency of apicached.
//
// A Status is cheap to copy when ok (no allocation) and carries a code plus a human-readable
// message otherwise. Result<T> is a Status or a T. http/ maps Code to an HTTP status in exactly
// one place (http/problem.h); storage/ converts rocksdb::Status in exactly one place.
//
// Thread safety: values; no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace apicached {

enum class Code {
  kOk = 0,
  kNotFound,            // No live entry (missing or expired). HTTP 404.
  kInvalidArgument,     // Bad namespace name, key, ttl, JSON... HTTP 400.
  kAlreadyExists,       // add-if-absent found a live entry. HTTP 412.
  kPreconditionFailed,  // compare-and-set version mismatch. HTTP 412.
  kConflict,            // incr on a non-integer value, or overflow. HTTP 409.
  kTooLarge,            // Value or batch over the configured limit. HTTP 413.
  kResourceExhausted,   // Namespace cap reached. HTTP 507.
  kUnavailable,         // The store cannot serve now (I/O error, disk full, read-only). HTTP 503.
  kInternal,            // A bug or corruption. HTTP 500.
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status PreconditionFailed(std::string msg) {
    return {Code::kPreconditionFailed, std::move(msg)};
  }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Status TooLarge(std::string msg) { return {Code::kTooLarge, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {Code::kResourceExhausted, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "NotFound: no such key" style, for logs and tests.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or an error. REQUIRES: the Status passed in is not ok.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  Code code() const { return status_.code(); }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace apicached
