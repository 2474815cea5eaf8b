// Reading a sweep file (YAML; every key is in docs/sweep.md). A file that
// cannot be used is refused with one ConfigError naming the file, the line
// and the key, and saying what to write instead.
#pragma once

#include <string>

#include "cohort/sweep/sweep_spec.h"

namespace cohort::sweep {

// The sweep `text` says; `file` names it in messages.
SweepSpec parseSweep(const std::string& text, const std::string& file);

// The sweep the file at `path` says.
SweepSpec readSweepFile(const std::string& path);

// The most trials a sweep may have, and the largest grid.
constexpr int64_t kMaxTrials = 1000000;

}  // namespace cohort::sweep
