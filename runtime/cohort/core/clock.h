// The wall clock as cohort's records write it: Unix seconds, and the ISO 8601
// text run.json and the logs show ("2024-05-01T12:00:00.123Z").
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cohort {

// Seconds since the Unix epoch, with sub-second precision.
double unixNow();
// Seconds on the monotonic clock since `start` (durations, not dates).
double secondsSince(std::chrono::steady_clock::time_point start);

// "2024-05-01T12:00:00.123Z": UTC, the milliseconds truncated.
std::string isoTime(double unix_seconds);

// The time isoTime wrote as `text` (the middle of the millisecond it names, so
// that isoTime gives `text` back), or nullopt when `text` is not that form.
std::optional<double> parseIsoTime(const std::string& text);

}  // namespace cohort
