#include "cohort/serve/serve_metrics.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace cohort::serve {

namespace {

std::string number(double value) {
  char text[32];
  return std::string(text, std::to_chars(text, text + sizeof text, value).ptr);
}

// A label value: Prometheus escapes backslash, double quote and newline.
std::string label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? 'n' : c;
  }
  return out;
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

std::string Histogram::text(const std::string& name) const {
  std::string out = "# TYPE " + name + " histogram\n";
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + (i < bounds_.size() ? number(bounds_[i]) : "+Inf") + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  return out + name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) +
         "\n";
}

ServeMetrics::ServeMetrics()
    : latency_({0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5}),
      queue_wait_({0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1}),
      batch_rows_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}) {}

void ServeMetrics::answered(int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++by_status_[status];
  latency_.observe(seconds);
}

void ServeMetrics::batched(int64_t rows, const std::vector<double>& queue_waits) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_rows_.observe(static_cast<double>(rows));
  for (const double w : queue_waits) queue_wait_.observe(w);
}

void ServeMetrics::setModel(const std::string& role, const std::string& name,
                            const std::string& version, const std::string& sha256) {
  std::lock_guard<std::mutex> lock(mutex_);
  model_labels_[role] = "name=\"" + label(name) + "\",version=\"" + label(version) +
                        "\",sha256=\"" + label(sha256) + "\",role=\"" + label(role) + "\"";
}

std::string ServeMetrics::text(int queue_depth, int in_flight) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out = "# TYPE cohort_serve_requests_total counter\n";
  for (const auto& [status, count] : by_status_) {
    out += "cohort_serve_requests_total{code=\"" + std::to_string(status) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += latency_.text("cohort_serve_request_seconds");
  out += queue_wait_.text("cohort_serve_queue_wait_seconds");
  out += batch_rows_.text("cohort_serve_batch_rows");
  out += "# TYPE cohort_serve_queue_depth gauge\ncohort_serve_queue_depth " +
         std::to_string(queue_depth) + "\n";
  out += "# TYPE cohort_serve_in_flight gauge\ncohort_serve_in_flight " +
         std::to_string(in_flight) + "\n";
  out += "# TYPE cohort_serve_model_info gauge\n";
  for (const auto& [role, labels] : model_labels_)
    out += "cohort_serve_model_info{" + labels + "} 1\n";
  return out;
}

}  // namespace cohort::serve
