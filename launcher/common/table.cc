#include "common/table.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace cohort::cli {

std::string Table::text() const {
  std::vector<size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], std::max<size_t>(row[i].size(), 1));
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  std::string out;
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < row.size() && !row[i].empty() ? row[i] : "-";
      text += cell;
      if (i + 1 < width.size()) text += std::string(width[i] - cell.size() + 2, ' ');
    }
    out += text + "\n";
  };
  line(header_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string localTime(double unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::string byteSize(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

void printText(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

}  // namespace cohort::cli
