// Tables for the tools' terminal output: a header row and aligned columns,
// as `cohort-model list` and `cohort-sweep status` print them.
#pragma once

#include <string>
#include <vector>

namespace cohort::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell, two spaces apart; "-" for an empty cell.
  std::string text() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "2026-12-02 16:27:55" in local time, for Unix seconds.
std::string localTime(double unix_seconds);
// "1.5 GiB", "312 KiB", "17 B".
std::string byteSize(double bytes);

// Writes `text` to standard output as it is (a table, or a JSON document).
void printText(const std::string& text);

}  // namespace cohort::cli
