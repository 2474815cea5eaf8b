#include "cohort/runlog/metrics_log.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cohort/core/clock.h"
#include "cohort/core/error.h"
#include "cohort/core/file_io.h"
#include "cohort/core/json.h"
#include "cohort/core/number.h"

namespace cohort::runlog {

namespace {

// `value` rounded to `digits` significant digits, so the line holds the
// short decimal (0.409999996, not 0.40999999642372131) that still reads back
// as the same float32 (TensorBoard's precision); not-finite values stay so
// (written as null).
double rounded(double value, int digits) { return roundToDigits(value, digits); }

}  // namespace

std::vector<std::pair<std::string, double>> StepMetrics::scalars() const {
  std::vector<std::pair<std::string, double>> all = {
      {"epoch", static_cast<double>(epoch)},
      {"loss", loss},
      {"lr", lr},
      {"samples_per_s", samples_per_s},
      {"data_wait_s", data_wait_s},
      {"comm_s", comm_s},
      {"checkpoint_blocked_s", checkpoint_blocked_s}};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

std::string MetricsLog::line(const StepMetrics& m, double unix_time) {
  auto values = m.scalars();
  values.erase(values.begin());  // "epoch" goes in the line's head
  return line(m.step, m.epoch, unix_time, values);
}

std::string MetricsLog::line(int64_t step, int64_t epoch, double unix_time,
                             const std::vector<std::pair<std::string, double>>& values) {
  OrderedJson doc;
  doc["step"] = step;
  doc["epoch"] = epoch;
  doc["time"] = std::round(unix_time * 1000) / 1000;  // to the millisecond
  for (const auto& [name, value] : values) doc[name] = rounded(value, 9);
  return jsonText(doc);
}

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  std::error_code error;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  file_ = fopenToWrite(path, /*append=*/true);
  if (!file_) {
    throw ConfigError(openToWriteProblem(path, errno),
                      "set COHORT_LOGS_DIR to a folder this user can write");
  }
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(const StepMetrics& metrics) { append(line(metrics, unixNow())); }

void MetricsLog::writeScalars(int64_t step, int64_t epoch,
                              const std::vector<std::pair<std::string, double>>& values) {
  append(line(step, epoch, unixNow(), values));
}

void MetricsLog::append(const std::string& line) {
  const std::string text = line + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    throw Error("cannot write " + path_ + ": " + std::strerror(errno),
                "free space on the logs folder's disk, or set COHORT_LOGS_DIR elsewhere");
  }
}

}  // namespace cohort::runlog
