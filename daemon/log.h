// apicached's log: one line per event on stderr, in the form journald reads well.
//
// Under systemd (JOURNAL_STREAM names the file stderr is open on: stderr is the journal) each
// line starts with a syslog priority prefix, "<3>" error, "<4>" warning, "<6>" info, "<7>"
// debug, which journald turns into the entry's PRIORITY (so `journalctl -p warning` works) and
// strips.
// Elsewhere lines read "apicached: warning: <message>". The level is changeable at run time
// (SIGHUP). Messages above the level are dropped.
//
// Thread safety: every function may be called from any thread; a line is written with one
// write() so concurrent lines never interleave.
#pragma once

#include <string>
#include <string_view>

#include "storage/status.h"

namespace apicached {

enum class LogLevel { kError = 3, kWarning = 4, kInfo = 6, kDebug = 7 };

// "error", "warning", "info", "debug"; InvalidArgument naming log-level otherwise.
Result<LogLevel> ParseLogLevel(std::string_view text);
std::string_view LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

// Decides the prefix style from $JOURNAL_STREAM; called once at start, tests may call it again.
void InitLogFromEnvironment();

// true when journal_stream ("DEVICE:INODE", the value of $JOURNAL_STREAM) names the file
// stderr is open on now; false for nullptr, a malformed value, or another file.
bool StderrIsJournalStream(const char* journal_stream);

void Log(LogLevel level, std::string_view message);
inline void LogError(std::string_view m) {
  Log(LogLevel::kError, m);
}
inline void LogWarning(std::string_view m) {
  Log(LogLevel::kWarning, m);
}
inline void LogInfo(std::string_view m) {
  Log(LogLevel::kInfo, m);
}
inline void LogDebug(std::string_view m) {
  Log(LogLevel::kDebug, m);
}

}  // namespace apicached
