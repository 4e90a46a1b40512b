#include "storage/background_errors.h"

#include <cstdio>

namespace apicached {

std::string BackgroundErrorWatch::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void BackgroundErrorWatch::MarkRecovered() {
  stopped_.store(false, std::memory_order_release);
}

void BackgroundErrorWatch::OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                                             rocksdb::Status* error) {
  if (error == nullptr || error->ok()) return;
  {
    std::lock_guard lock(mu_);
    error_ = error->ToString();
  }
  stopped_.store(true, std::memory_order_release);
}

void BackgroundErrorWatch::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok()) MarkRecovered();
}

void StderrLogger::Logv(const char* format, va_list ap) {
  char line[1024];
  std::vsnprintf(line, sizeof line, format, ap);
  std::fprintf(stderr, "apicached: rocksdb: %s\n", line);
}

}  // namespace apicached
