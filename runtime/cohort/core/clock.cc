#include "cohort/core/clock.h"
#include "cohort/core/number.h"

#include <cstdio>
#include <ctime>

namespace cohort {

double unixNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec * 1e-9;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string isoTime(double unix_seconds) {
  time_t whole = static_cast<time_t>(unix_seconds);
  int millis = static_cast<int>((unix_seconds - static_cast<double>(whole)) * 1000);
  tm utc{};
  gmtime_r(&whole, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

std::optional<double> parseIsoTime(const std::string& text) {
  // Exactly "YYYY-MM-DDTHH:MM:SS.mmmZ".
  static const char kShape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != sizeof kShape - 1) return std::nullopt;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return std::nullopt;
  }
  auto number = [&](size_t at, size_t width) {
    return static_cast<int>(*readWhole(text.substr(at, width), 0, 9999));  // digits, checked above
  };
  tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(5, 2) - 1;
  utc.tm_mday = number(8, 2);
  utc.tm_hour = number(11, 2);
  utc.tm_min = number(14, 2);
  utc.tm_sec = number(17, 2);
  if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 ||
      utc.tm_min > 59 || utc.tm_sec > 60) {
    return std::nullopt;
  }
  const time_t whole = timegm(&utc);
  // The middle of the millisecond: isoTime truncates, and a double near 1.7e9
  // holds a millisecond only to about 2e-7 s.
  return static_cast<double>(whole) + (number(20, 3) + 0.5) / 1000.0;
}

}  // namespace cohort
