#include "storage/rocks_status.h"

#include <string>

namespace apicached {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsCorruption()) return Status::Internal(std::move(msg));
  if (s.IsNotSupported()) return Status::Internal(std::move(msg));
  // IOError (incl. NoSpace and read-only), Busy, TimedOut, TryAgain, Incomplete, Aborted,
  // ShutdownInProgress, and anything else the engine reports while it cannot serve.
  return Status::Unavailable(std::move(msg));
}

}  // namespace apicached
