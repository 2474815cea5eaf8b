// Note [Error records]: a rank that dies leaves LOGS/error-rank-N.json, a short
// JSON record of why, for the launcher's root-cause summary:
//   {"rank": 1, "host": "node7", "pid": 4242, "time": 1714567890.123,
//    "kind": "exception" | "signal" | "watchdog", "message": "...",
//    "run_id": "...", "restart": 0}
// "exception": runMain caught it (the message is the exception's text);
// "signal": SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT, written by an
// async-signal-safe handler from a record formatted in advance, which then
// hands the signal on to the handler before it (Open MPI's) or the default;
// "watchdog": a collective timed out (the rank waited for others).
// Only the first record of a process is written, so the cause is not
// overwritten by what it caused (a later run of the same rank replaces it).
// A record that cannot be written whole (a full disk) is removed, never left
// empty or cut.
// The folder is COHORT_LOGS_DIR (Settings). ErrorRecord is the schema: the
// runtime writes it and cohortrun reads it with the same toJson/fromJson.
#pragma once

#include <optional>
#include <string>

namespace cohort {

struct ErrorRecord {
  int rank = -1;
  std::string host;
  long pid = 0;
  double time = 0;   // Unix seconds, to the millisecond
  std::string kind;  // "exception", "signal" or "watchdog"
  std::string message;
  std::string run_id;
  int restart = 0;

  // The file's text: indented JSON and a newline, invalid UTF-8 replaced.
  std::string toJson() const;
  // The record `text` holds; nullopt when it is not a JSON object with a "kind".
  static std::optional<ErrorRecord> fromJson(const std::string& text);
};

struct ErrorRecordSite {
  std::string logs_dir;
  int rank = -1;  // -1 until known: the file is then error-pid-PID.json
  std::string run_id;
  int restart = 0;
};

// Sets where records go (called by cohort::init as soon as the settings are
// read, and again once the rank is known).
void setErrorRecordSite(const ErrorRecordSite& site);

// Installs the fatal-signal handler; call after MPI_Init so it runs before
// the handlers MPI installed (and then passes the signal on to them).
void armFatalSignalRecords();

// Writes the record now (no-op before setErrorRecordSite). Never throws.
void writeErrorRecord(const std::string& kind, const std::string& message) noexcept;

}  // namespace cohort
