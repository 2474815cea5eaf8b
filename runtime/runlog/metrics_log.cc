#include "cohort/runlog/metrics_log.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "cohort/core/error.h"
#include "cohort/core/json_writer.h"

namespace cohort::runlog {

namespace {

std::string number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

std::vector<std::pair<std::string, double>> StepMetrics::scalars() const {
  std::vector<std::pair<std::string, double>> all = {
      {"epoch", static_cast<double>(epoch)}, {"loss", loss}, {"lr", lr},
      {"samples_per_s", samples_per_s},      {"data_wait_s", data_wait_s},
      {"comm_s", comm_s},                    {"checkpoint_blocked_s", checkpoint_blocked_s}};
  all.insert(all.end(), extra.begin(), extra.end());
  return all;
}

std::string MetricsLog::line(const StepMetrics& m, double unix_time) {
  char head[96];
  std::snprintf(head, sizeof head, "{\"step\":%lld,\"epoch\":%lld,\"time\":%.3f",
                static_cast<long long>(m.step), static_cast<long long>(m.epoch), unix_time);
  std::string text = head;
  for (const auto& [name, value] : m.scalars()) {
    if (name == "epoch") continue;
    text += "," + jsonQuote(name) + ":" + number(value);
  }
  return text + "}";
}

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  std::error_code error;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, error);
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) {
    throw ConfigError("cannot open " + path + " for appending: " + std::strerror(errno),
                      "set COHORT_LOGS_DIR to a folder this user can write");
  }
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(const StepMetrics& metrics) {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string text = line(metrics, now) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0) {
    throw Error("cannot write " + path_ + ": " + std::strerror(errno),
                "free space on the logs folder's disk, or set COHORT_LOGS_DIR elsewhere");
  }
}

}  // namespace cohort::runlog
