// Following one trial's LOGS/metrics.jsonl while it is written: each poll()
// reads what was appended since the last, whole lines only (a line still
// being written waits for the next poll), and returns the points of the
// sweep's metric. The format a trial writes is in docs/sweep.md
// ("Reporting the metric"); lines are read by sweep::parseMetricsLine.
//
// Note [Following a trial's file]: whatever a trial does to its file, the
// driver stays responsive and its memory bounded:
//   - only a regular file is opened, and without blocking: a FIFO, a device
//     (a symlink to /dev/zero) or a socket is never read, and problem() says
//     what it is, so the driver fails the trial;
//   - a poll reads at most kPollBytes; the rest waits for the next poll;
//   - a line longer than kMaxLine is skipped whole (counted once, with its
//     length so far), never held: at most kMaxLine bytes of a partial line
//     are kept between polls, and they are not copied again on each poll.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cohort/sweep/policy.h"

namespace cohort::sweep_tool {

class MetricsTail {
 public:
  static constexpr int64_t kMaxLine = 1 << 20;
  static constexpr int64_t kPollBytes = 8 << 20;

  MetricsTail(std::string path, std::string metric);

  // The metric's points in lines appended since the last call (none while
  // the file does not exist, or once problem() is set). A line that is not
  // such JSON, or is longer than kMaxLine, is skipped and counted; lines
  // without the metric are other scalars of the trainer.
  std::vector<sweep::MetricPoint> poll();

  // poll() until the end of the file as it is now (a trial that ended: its
  // last lines), however many polls' worth that is.
  std::vector<sweep::MetricPoint> pollToEnd();

  // Starts after the whole lines the file holds now (a resumed trial's
  // earlier points, already in the store).
  void skipToEnd();

  int64_t skippedLines() const { return skipped_; }
  // Why the last line skipped was, e.g. "line 3: not JSON (...)".
  const std::string& lastSkip() const { return last_skip_; }
  // Non-empty when the path is something other than a regular file: what it is.
  const std::string& problem() const { return problem_; }
  const std::string& path() const { return path_; }

 private:
  void takeLines(std::vector<sweep::MetricPoint>* points);
  void skip(const std::string& why);

  std::string path_;
  std::string metric_;
  int64_t read_at_ = 0;    // the file offset of the next byte to read
  std::string pending_;    // bytes after the last newline (at most kMaxLine)
  size_t scanned_ = 0;     // bytes of pending_ already searched for a newline
  bool dropping_ = false;  // inside a line longer than kMaxLine: drop up to its newline
  int64_t line_ = 0;       // lines ended so far, for messages
  int64_t skipped_ = 0;
  std::string last_skip_;
  std::string problem_;
};

}  // namespace cohort::sweep_tool
