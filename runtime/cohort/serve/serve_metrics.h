// What /metrics says, in Prometheus's text format (version 0.0.4):
//   cohort_serve_requests_total{code="200"}        answers by HTTP status
//   cohort_serve_request_seconds                   histogram: read to answered
//   cohort_serve_queue_wait_seconds                histogram: queued to run
//   cohort_serve_batch_rows                        histogram: rows per forward pass
//   cohort_serve_queue_depth                       requests waiting now
//   cohort_serve_in_flight                         requests read and not yet answered
//   cohort_serve_model_info{name,version,sha256,role}   1 for each model served
//                                                  (role "primary" or "canary")
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cohort::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // The lines of NAME's buckets, sum and count.
  std::string text(const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  int64_t count_ = 0;
};

class ServeMetrics {
 public:
  ServeMetrics();
  void answered(int status, double seconds);
  void batched(int64_t rows, const std::vector<double>& queue_waits);
  // `role`: "primary" or "canary".
  void setModel(const std::string& role, const std::string& name, const std::string& version,
                const std::string& sha256);
  std::string text(int queue_depth, int in_flight) const;

 private:
  mutable std::mutex mutex_;
  std::map<int, int64_t> by_status_;
  Histogram latency_, queue_wait_, batch_rows_;
  std::map<std::string, std::string> model_labels_;  // by role
};

}  // namespace cohort::serve
