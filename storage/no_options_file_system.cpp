#include "storage/no_options_file_system.h"

#include <filesystem>
#include <system_error>

namespace apicached {

namespace {

constexpr std::string_view kOptionsPrefix = "OPTIONS-";

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool IsOptionsTempFile(std::string_view path) {
  const std::string_view name = BaseName(path);
  return name.starts_with(kOptionsPrefix) && name.ends_with(".dbtmp");
}

bool IsOptionsFileRefusal(std::string_view log_line) {
  return log_line.find(kOptionsFileRefusal) != std::string_view::npos;
}

rocksdb::IOStatus NoOptionsFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& options,
    std::unique_ptr<rocksdb::FSWritableFile>* result, rocksdb::IODebugContext* dbg) {
  if (IsOptionsTempFile(fname)) {
    return rocksdb::IOStatus::NotSupported(
        rocksdb::Slice(kOptionsFileRefusal.data(), kOptionsFileRefusal.size()));
  }
  return target()->NewWritableFile(fname, options, result, dbg);
}

Status RemoveOptionsFiles(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return Status::Ok();
  if (ec) return Status::Unavailable("listing " + dir + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kOptionsPrefix)) continue;
    if (!fs::remove(it->path(), ec) && ec) {
      return Status::Unavailable("removing " + it->path().string() + ": " + ec.message());
    }
  }
  if (ec) return Status::Unavailable("listing " + dir + ": " + ec.message());
  return Status::Ok();
}

}  // namespace apicached
