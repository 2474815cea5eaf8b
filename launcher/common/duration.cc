#include "common/duration.h"

#include <cstdio>

#include "cohort/core/env.h"

namespace cohort::launcher {

bool parseDuration(const std::string& text, double* seconds) {
  if (text.empty()) return false;
  double scale = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      scale = 1;
      number.pop_back();
      break;
    case 'm':
      scale = 60;
      number.pop_back();
      break;
    case 'h':
      scale = 3600;
      number.pop_back();
      break;
    default:
      break;
  }
  auto value = parseNonNegative(number);
  if (!value || *value * scale > 1e9) return false;
  *seconds = *value * scale;
  return true;
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
