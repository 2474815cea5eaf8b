// Every number a user writes goes through cohort/core/number.h (Note
// [Numbers from users]); here its readers get any text, and what they
// accept must lie in the range they were given and read back the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <cmath>
#include "fuzz_util.h"

#include "cohort/core/number.h"
#include "common/duration.h"

using namespace cohort;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string problem;
  if (const auto n = readWhole(text, -5, 65535, &problem)) {
    if (*n < -5 || *n > 65535 || readWhole(std::to_string(*n), -5, 65535) != n) std::abort();
  } else if (problem.empty()) {
    std::abort();
  }
  problem.clear();
  if (const auto x = readReal(text, 0, 1e9, &problem, true)) {
    if (!(*x > 0 && *x <= 1e9)) std::abort();
  } else if (problem.empty()) {
    std::abort();
  }
  problem.clear();
  if (const auto s = readSeconds(text, 1, 86400 * 7, &problem)) {
    if (!(*s >= 1 && *s <= 86400 * 7)) std::abort();
  } else if (problem.empty()) {
    std::abort();
  }
  if (const auto d = parseDecimal(text)) {
    if (!std::isfinite(*d)) std::abort();
  }
  parseUnsigned64(text);
  double seconds = 0;
  if (launcher::parseDuration(text, &seconds)) {
    if (!std::isfinite(seconds) || seconds < 0) std::abort();
    double again = 0;
    if (!launcher::parseDuration(launcher::durationText(seconds), &again)) std::abort();
  }
  return 0;
}
