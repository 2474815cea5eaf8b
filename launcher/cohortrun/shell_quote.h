// Quoting words for a POSIX shell, for --dry-run and the sbatch script.
#pragma once

#include <string>
#include <vector>

namespace cohort::launcher {

// `word` as one shell word: unchanged when it holds only safe characters,
// single-quoted otherwise.
std::string shellQuote(const std::string& word);

// The words quoted and joined by spaces.
std::string shellJoin(const std::vector<std::string>& words);

}  // namespace cohort::launcher
