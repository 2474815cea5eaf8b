// Reading the process environment through a function, so that discovery and
// settings can be tested with a made-up environment.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace cohort {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The real environment (getenv).
EnvLookup processEnv();

// A fixed environment, for tests.
EnvLookup mapEnv(std::map<std::string, std::string> values);

// Parses a whole decimal integer (no sign unless allow_negative, no trailing junk).
// Returns std::nullopt for anything else.
std::optional<long long> parseInteger(const std::string& text, bool allow_negative = false);

// Parses a finite non-negative decimal number ("300", "2.5").
std::optional<double> parseNonNegative(const std::string& text);

}  // namespace cohort
