#include "metrics_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "cohort/core/file_io.h"

namespace cohort::sweep_tool {

MetricsTail::MetricsTail(std::string path, std::string metric)
    : path_(std::move(path)), metric_(std::move(metric)) {}

void MetricsTail::skipToEnd() {
  poll();
  skipped_ = 0;
}

std::vector<sweep::MetricPoint> MetricsTail::poll() {
  std::vector<sweep::MetricPoint> points;
  UniqueFd file{::open(path_.c_str(), O_RDONLY | O_CLOEXEC)};
  struct stat st;
  if (file.fd < 0 || ::fstat(file.fd, &st) != 0) return points;
  const int64_t read_so_far = offset_ + static_cast<int64_t>(partial_.size());
  if (st.st_size < read_so_far) {  // replaced by a shorter file: read it again
    offset_ = 0;
    partial_.clear();
  }
  std::string text = partial_;
  char buffer[1 << 16];
  int64_t at = offset_ + static_cast<int64_t>(partial_.size());
  for (;;) {
    const ssize_t n = ::pread(file.fd, buffer, sizeof buffer, at);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    at += n;
  }
  size_t begin = 0;
  for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
    const auto line =
        nlohmann::json::parse(text.begin() + static_cast<std::ptrdiff_t>(begin),
                              text.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    if (line.is_discarded() || !line.is_object() || !line.contains("step") ||
        !line["step"].is_number_integer()) {
      if (end > begin) ++skipped_;
      continue;
    }
    const auto value = line.find(metric_);
    if (value == line.end()) continue;
    sweep::MetricPoint point;
    point.step = line["step"].get<int64_t>();
    if (value->is_number()) {
      point.value = value->get<double>();
    } else if (value->is_null()) {
      point.value = std::numeric_limits<double>::quiet_NaN();
    } else {
      ++skipped_;
      continue;
    }
    points.push_back(point);
  }
  offset_ += static_cast<int64_t>(begin);
  partial_ = text.substr(begin);
  return points;
}

}  // namespace cohort::sweep_tool
