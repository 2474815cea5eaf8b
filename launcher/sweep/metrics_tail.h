// Following one trial's LOGS/metrics.jsonl while it is written: each poll()
// reads what was appended since the last, whole lines only (a line still
// being written waits for the next poll), and returns the points of the
// sweep's metric. The format a trial writes is in docs/sweep.md
// ("Reporting the metric"): one JSON object per line with a whole `step`
// and the metric by name, a number or null (NaN).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/sweep/policy.h"

namespace cohort::sweep_tool {

class MetricsTail {
 public:
  MetricsTail(std::string path, std::string metric);

  // The metric's points in lines appended since the last call (none while
  // the file does not exist). A line that is not JSON, or lacks a whole
  // `step`, is skipped and counted; lines without the metric are other
  // scalars of the trainer.
  std::vector<sweep::MetricPoint> poll();

  // Starts after the whole lines the file holds now (a resumed trial's
  // earlier points, already in the store).
  void skipToEnd();

  int64_t skippedLines() const { return skipped_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string metric_;
  int64_t offset_ = 0;   // bytes consumed, up to the last whole line
  std::string partial_;  // bytes after the last newline
  int64_t skipped_ = 0;
};

}  // namespace cohort::sweep_tool
