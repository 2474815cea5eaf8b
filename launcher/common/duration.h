// Durations as the tools' command lines take them (cohortrun's --timeout and
// --grace-period, which cohort-sweep writes for each trial): "90", "90s",
// "15m", "2h" or "1.5h".
#pragma once

#include <string>

namespace cohort::launcher {

// Seconds in "90", "90s", "15m", "2h" or "1.5h"; false for anything else.
bool parseDuration(const std::string& text, double* seconds);
// `seconds` as parseDuration reads it back, to the millisecond: "90", "0.25".
std::string durationText(double seconds);

}  // namespace cohort::launcher
