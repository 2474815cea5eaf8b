// Small POSIX helpers shared by the tools (cohortrun and its rank agent, cohort-sweep).
#pragma once

#include <string>
#include <vector>

#include "cohort/core/file_io.h"  // writeAll, UniqueFd

namespace cohort::launcher {

// Creates `path` and its parents; throws ConfigError saying what failed
// (having removed what it created). Returns the folders it created, outermost
// first, for removeFolders.
std::vector<std::string> makeDirectories(const std::string& path);

// Removes the (empty) folders makeDirectories created, innermost first.
void removeFolders(const std::vector<std::string>& created);

// Writes `text` to `path` through a temporary file and a rename, so readers
// never see half a file. Throws ConfigError (a full disk included), leaving
// no temporary file behind.
void writeFileAtomically(const std::string& path, const std::string& text);

// The whole file, or "" if it cannot be read.
std::string readWholeFile(const std::string& path);

// The last `count` lines of the file (fewer if it is shorter).
std::vector<std::string> lastLines(const std::string& path, size_t count);

// Seconds since the Unix epoch, with sub-second precision.
double unixNow();

// "2024-05-01T12:00:00.123Z".
std::string isoTime(double unix_seconds);

// This machine's name (gethostname).
std::string hostName();

// Runs argv (no shell) with stdin from /dev/null and returns its exit status
// (-1 if it could not run, or was killed for running past `timeout_s`);
// its stdout and stderr, together, go to *output when given.
int runCommand(const std::vector<std::string>& argv, std::string* output, double timeout_s);

// `path` made absolute against the current directory (not resolving links).
std::string absolutePath(const std::string& path);

}  // namespace cohort::launcher
