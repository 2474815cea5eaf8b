// Rank-prefixed logging to stderr: "[cohort 1/4 INFO] message".
#pragma once

#include <string>

namespace cohort::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Set once by cohort::init(); before that the prefix has no rank.
void setRank(int rank, int size);
void setLevel(Level level);
int currentRank();  // -1 before cohort::init()

// Parses "debug", "info", "warn" or "error"; returns false for anything else.
bool parseLevel(const std::string& text, Level* out);

void write(Level level, const std::string& message);
// Every line written from now on also goes, with its UTC time, to `fd` (a
// tool's log file; -1 stops it). The caller keeps the descriptor open.
void copyTo(int fd);
inline void debug(const std::string& m) { write(Level::kDebug, m); }
inline void info(const std::string& m) { write(Level::kInfo, m); }
inline void warn(const std::string& m) { write(Level::kWarn, m); }
inline void error(const std::string& m) { write(Level::kError, m); }

}  // namespace cohort::log
