// Small POSIX helpers shared by the tools (cohortrun and its rank agent, cohort-sweep).
#pragma once

#include <string>
#include <vector>

#include "cohort/core/clock.h"      // unixNow, isoTime
#include "cohort/core/file_io.h"    // writeAll, UniqueFd, the atomic write
#include "cohort/core/host_name.h"  // hostName

namespace cohort::launcher {

// Creates `path` and its parents; throws ConfigError saying what failed
// (having removed what it created), with `advice` as what to do. Returns the
// folders it created, outermost first, for removeFolders.
std::vector<std::string> makeDirectories(
    const std::string& path,
    const std::string& advice = "choose a folder you can write (--logs, --outputs)");

// Removes the (empty) folders makeDirectories created, innermost first.
void removeFolders(const std::vector<std::string>& created);

// The core's atomic write (See Note [Atomic file writes] in
// cohort/core/file_io.h) of `text` to `path`, for the tools' records: throws
// ConfigError saying what failed (a full disk included), leaving no temporary
// file behind.
void writeFileAtomically(const std::string& path, const std::string& text);

// The whole file, or "" if it cannot be read.
std::string readWholeFile(const std::string& path);

// The last `count` lines of the file (fewer if it is shorter).
std::vector<std::string> lastLines(const std::string& path, size_t count);

// The core's clock and host name, also as launcher::unixNow and so on.
using cohort::hostName;
using cohort::isoTime;
using cohort::unixNow;

// Runs argv (no shell) with stdin from /dev/null and returns its exit status
// (-1 if it could not run, or was killed for running past `timeout_s`);
// its stdout and stderr, together, go to *output when given.
int runCommand(const std::vector<std::string>& argv, std::string* output, double timeout_s);

// A command's output without its trailing line breaks and spaces.
std::string trimmedOutput(std::string output);

// `path` made absolute against the current directory (not resolving links).
std::string absolutePath(const std::string& path);

}  // namespace cohort::launcher
