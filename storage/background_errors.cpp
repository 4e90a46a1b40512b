#include "storage/background_errors.h"

#include <cstdio>

#include "storage/no_options_file_system.h"

namespace apicached {

std::string BackgroundErrorWatch::error() const {
  std::lock_guard lock(mu_);
  std::string out = error_;
  if (!resume_error_.empty() && resume_error_ != error_)
    out += "; resuming failed: " + resume_error_;
  if (reopenable_) {
    out +=
        "; RocksDB cannot resume after this kind of error: apicached reopens the database once "
        "the cause is fixed (reads keep working until then)";
  } else if (fatal_) {
    out +=
        "; RocksDB cannot resume after this kind of error: restart apicached once the cause is "
        "fixed (reads keep working until then)";
  } else {
    out += "; writes resume by themselves once the cause is gone";
  }
  return out;
}

bool BackgroundErrorWatch::reopenable() const {
  std::lock_guard lock(mu_);
  return stopped() && reopenable_;
}

void BackgroundErrorWatch::NoteResumeFailure(const std::string& why) {
  std::lock_guard lock(mu_);
  resume_error_ = why;
}

void BackgroundErrorWatch::MarkRecovered() {
  if (stopped_.exchange(false, std::memory_order_acq_rel)) {
    std::fprintf(stderr, "apicached: storage: writes resumed\n");
  }
}

void BackgroundErrorWatch::OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                                             rocksdb::Status* error) {
  if (error == nullptr || error->ok()) return;
  {
    std::lock_guard lock(mu_);
    error_ = error->ToString();
    fatal_ = error->severity() >= rocksdb::Status::Severity::kFatalError;
    reopenable_ = fatal_ && error->IsIOError();
    resume_error_.clear();
  }
  const bool was_stopped = stopped_.exchange(true, std::memory_order_acq_rel);
  if (!was_stopped) {
    std::fprintf(stderr, "apicached: storage: writes stopped by an error: %s\n",
                 error->ToString().c_str());
  }
}

void BackgroundErrorWatch::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  if (info.new_bg_error.ok()) MarkRecovered();
}

void StderrLogger::Logv(const char* format, va_list ap) {
  char line[1024];
  std::vsnprintf(line, sizeof line, format, ap);
  if (IsOptionsFileRefusal(line)) return;  // by design, on every creation (see the header)
  std::fprintf(stderr, "apicached: rocksdb: %s\n", line);
}

}  // namespace apicached
