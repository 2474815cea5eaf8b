// Reading a number that came from outside: a command-line option, a
// setting, a URL, a sweep file, a record another process wrote.
//
// Note [Numbers from users]
// ~~~~~~~~~~~~~~~~~~~~~~~~~
// Every number cohort reads from text goes through this file, so that every
// one is read the same way: the whole text and nothing else (no sign unless
// negatives are allowed, no spaces, no "0x", no trailing junk), finite,
// never overflowing (at most 18 digits for a whole number), and inside the
// range the caller gives. A number that is refused says why, with the range:
//
//   '70000' is out of range: a whole number from 1 to 65535
//   'ten' is not a whole number from 1 to 65535
//
// and the caller names where it came from ("--nodes", "COHORT_SHM_SLICES=",
// "port of http://...") and what to do. Durations take a unit (90, 90s, 15m,
// 2h). std::stoi, atoi, strtod and their kin appear nowhere else (a unit
// test greps for them): they accept junk, throw std::out_of_range without
// saying which value, or wrap around.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cohort {

// A whole number in [least, most]; otherwise nullopt, with *problem (when
// given) saying what is wrong and the range.
std::optional<int64_t> readWhole(const std::string& text, int64_t least, int64_t most,
                                 std::string* problem = nullptr);

// readWhole for a program's own arguments: the number, or a ConfigError
// "WHAT '70000' is out of range: a whole number from 1 to 65535".
int64_t requireWhole(const std::string& text, int64_t least, int64_t most, const std::string& what);

// A finite decimal number ("300", "2.5", "1e-3") in [least, most], or in
// (least, most] when `above_least`; otherwise nullopt and *problem.
std::optional<double> readReal(const std::string& text, double least, double most,
                               std::string* problem = nullptr, bool above_least = false);

// A duration in seconds: a number with an optional unit, "90", "90s", "15m",
// "2h", "1.5h", in [least, most] seconds; otherwise nullopt and *problem.
std::optional<double> readSeconds(const std::string& text, double least, double most,
                                  std::string* problem = nullptr);

// The lexical layer of the three, without a range: a whole decimal number
// (no sign unless allow_negative) of at most 18 digits; a finite decimal
// number with an optional sign ("-0.5", "+3", "1e-4"); the same without a
// sign.
std::optional<long long> parseInteger(const std::string& text, bool allow_negative = false);
std::optional<double> parseDecimal(const std::string& text);
std::optional<double> parseNonNegative(const std::string& text);
// The full unsigned 64-bit range ("18446744073709551615"), for seeds.
std::optional<uint64_t> parseUnsigned64(const std::string& text);

// `x` rounded to `digits` significant decimal digits, as "%.*g" writes it
// (for a short decimal that reads back as the same value).
double roundToDigits(double x, int digits);

}  // namespace cohort
