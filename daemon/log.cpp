#include "daemon/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace apicached {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<bool> g_journal{false};

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "error") return LogLevel::kError;
  if (text == "warning") return LogLevel::kWarning;
  if (text == "info") return LogLevel::kInfo;
  if (text == "debug") return LogLevel::kDebug;
  return Status::InvalidArgument("log-level must be error, warning, info or debug, got '" +
                                 std::string(text.substr(0, 40)) + "'");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

void SetLogLevel(LogLevel level) {
  g_level.store(level);
}
LogLevel GetLogLevel() {
  return g_level.load();
}

void InitLogFromEnvironment() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  g_journal.store(stream != nullptr && *stream != '\0');
}

void Log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) > static_cast<int>(g_level.load())) return;
  std::string line;
  line.reserve(message.size() + 24);
  if (g_journal.load()) {
    line += '<';
    line += static_cast<char>('0' + static_cast<int>(level));
    line += '>';
  } else {
    line += "apicached: ";
    if (level != LogLevel::kInfo) {
      line += LogLevelName(level);
      line += ": ";
    }
  }
  for (char c : message) line += c == '\n' ? ' ' : c;  // one event, one line
  line += '\n';
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace apicached
