#include "common/duration.h"

#include <cstdio>

#include "cohort/core/number.h"

namespace cohort::launcher {

bool parseDuration(const std::string& text, double* seconds) {
  const auto value = readSeconds(text, 0, 1e9);
  if (value) *seconds = *value;
  return value.has_value();
}

std::string durationText(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  std::string out = text;
  out.erase(out.find_last_not_of('0') + 1);
  if (out.back() == '.') out.pop_back();
  return out;
}

}  // namespace cohort::launcher
