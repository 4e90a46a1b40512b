#include "daemon/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
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

bool StderrIsJournalStream(const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  // "DEVICE:INODE" of the journal's stream socket. systemd sets it for the service's own
  // stdout/stderr; a child whose stderr was redirected elsewhere (a pipe in a test, a file)
  // inherits the variable but must not write priority prefixes into that file.
  unsigned long long dev = 0, ino = 0;
  char tail = 0;
  if (std::sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &tail) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void InitLogFromEnvironment() {
  g_journal.store(StderrIsJournalStream(std::getenv("JOURNAL_STREAM")));
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
