#include "cohort/core/number.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cohort/core/error.h"

namespace cohort {

namespace {

std::string realText(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", x);
  return text;
}

// "a whole number from 1 to 65535", "a number above 0 and at most 1e+09".
std::string wholeRange(int64_t least, int64_t most) {
  return "a whole number from " + std::to_string(least) + " to " + std::to_string(most);
}
std::string realRange(double least, double most, bool above_least, const std::string& unit) {
  if (above_least && least == 0) return "a positive number of at most " + realText(most) + unit;
  return std::string("a number ") + (above_least ? "above " : "from ") + realText(least) +
         (above_least ? " and at most " : " to ") + realText(most) + unit;
}

template <typename T>
std::optional<T> refuse(std::string* problem, const std::string& text, bool is_number,
                        const std::string& range) {
  if (problem != nullptr) {
    // A long text is cut short: it is shown to say which, not to be read.
    const std::string shown = text.size() <= 40 ? text : text.substr(0, 37) + "...";
    *problem = "'" + shown + "' " + (is_number ? "is out of range: " + range : "is not " + range);
  }
  return std::nullopt;
}

}  // namespace

std::optional<long long> parseInteger(const std::string& text, bool allow_negative) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-' && allow_negative) {
    negative = true;
    i = 1;
  }
  if (i == text.size() || text.size() - i > 18) return std::nullopt;
  long long value = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return negative ? -value : value;
}

namespace {

// parseDecimal, telling an overflow ("1e999": a number, out of any range)
// from junk.
std::optional<double> decimal(const std::string& text, bool* overflow) {
  *overflow = false;
  // strtod would skip leading spaces and take "inf", "nan" and hex: only a
  // sign, digits, one point and an exponent get this far.
  if (text.empty() || text.size() > 64) return std::nullopt;
  const size_t start = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (start == text.size() || text.find_first_of("0123456789") == std::string::npos) {
    return std::nullopt;
  }
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    const bool sign_of_exponent =
        (c == '-' || c == '+') && (text[i - 1] == 'e' || text[i - 1] == 'E');
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || sign_of_exponent)) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  if ((errno == ERANGE && std::fabs(value) > 1) || !std::isfinite(value)) {
    *overflow = true;  // not an underflow to 0, which is a number
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<double> parseDecimal(const std::string& text) {
  bool overflow = false;
  return decimal(text, &overflow);
}

std::optional<double> parseNonNegative(const std::string& text) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  const auto value = parseDecimal(text);
  if (!value || *value < 0) return std::nullopt;
  return value;
}

std::optional<uint64_t> parseUnsigned64(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;  // would wrap
    value = value * 10 + digit;
  }
  return value;
}

double roundToDigits(double x, int digits) {
  if (!std::isfinite(x)) return x;
  char text[40];
  std::snprintf(text, sizeof text, "%.*g", digits, x);
  return std::strtod(text, nullptr);
}

std::optional<int64_t> readWhole(const std::string& text, int64_t least, int64_t most,
                                 std::string* problem) {
  const auto value = parseInteger(text, least < 0);
  if (value && *value >= least && *value <= most) return static_cast<int64_t>(*value);
  // Digits alone (however many) are a number out of range, not junk.
  const bool digits = !text.empty() && text.find_first_not_of("-0123456789") == std::string::npos &&
                      text.find_first_of("0123456789") != std::string::npos &&
                      text.find('-', 1) == std::string::npos;
  return refuse<int64_t>(problem, text, digits, wholeRange(least, most));
}

int64_t requireWhole(const std::string& text, int64_t least, int64_t most,
                     const std::string& what) {
  std::string problem;
  if (const auto value = readWhole(text, least, most, &problem)) return *value;
  throw ConfigError(what + " " + problem, "give " + wholeRange(least, most));
}

std::optional<double> readReal(const std::string& text, double least, double most,
                               std::string* problem, bool above_least) {
  bool overflow = false;
  const std::optional<double> value = decimal(text, &overflow);
  if (value && (above_least ? *value > least : *value >= least) && *value <= most) return value;
  return refuse<double>(problem, text, value.has_value() || overflow,
                        realRange(least, most, above_least, ""));
}

std::optional<double> readSeconds(const std::string& text, double least, double most,
                                  std::string* problem) {
  double scale = 1;
  std::string number = text;
  if (!number.empty()) {
    switch (number.back()) {
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
  }
  const auto value = parseNonNegative(number);
  if (value && *value * scale >= least && *value * scale <= most) return *value * scale;
  return refuse<double>(problem, text, value.has_value(),
                        realRange(least, most, false, " seconds (90, 90s, 15m, 2h)"));
}

}  // namespace cohort
