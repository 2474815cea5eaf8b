// LOGS/metrics.jsonl: one JSON object per training step, written by rank 0:
//
//   {"step":120,"epoch":1,"time":1763900000.123,"loss":0.41,"lr":0.05,
//    "samples_per_s":2210.5,"data_wait_s":0.0004,"comm_s":0.0021,
//    "checkpoint_blocked_s":0,"grad_norm":1.9}
//
// time is Unix seconds; the *_s fields are this step's seconds (see
// StepMetrics); extra scalars follow under their own names. A value that is
// not finite is written as null. The file is appended to, so a resumed run
// continues it; each line is flushed when written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace cohort::runlog {

struct StepMetrics {
  int64_t step = 0;
  int64_t epoch = 0;
  double loss = 0;
  double lr = 0;
  double samples_per_s = 0;         // global samples of this step / its wall time
  double data_wait_s = 0;           // waiting for the loader
  double comm_s = 0;                // gradient communication not hidden by backward
  double checkpoint_blocked_s = 0;  // the loop blocked by the checkpointer
  std::vector<std::pair<std::string, double>> extra;

  // (name, value) of every number but step, for TensorBoard.
  std::vector<std::pair<std::string, double>> scalars() const;
};

class MetricsLog {
 public:
  // Opens `path` for appending, creating its folder. A ConfigError if it cannot.
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const StepMetrics& metrics);
  // A line of other scalars at a step: {"step":..,"epoch":..,"time":..,NAME:VALUE,...}
  // (an evaluation's accuracy; the metric a sweep follows).
  void writeScalars(int64_t step, int64_t epoch,
                    const std::vector<std::pair<std::string, double>>& values);
  const std::string& path() const { return path_; }

  // The JSON line for `metrics` (without the newline); `unix_time` is its "time".
  static std::string line(const StepMetrics& metrics, double unix_time);
  static std::string line(int64_t step, int64_t epoch, double unix_time,
                          const std::vector<std::pair<std::string, double>>& values);

 private:
  void append(const std::string& line);
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace cohort::runlog
