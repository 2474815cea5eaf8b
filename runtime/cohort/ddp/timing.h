// What DataParallel measures of its gradient communication, for logs
// (runlog::RunLog fills metrics and the timeline from it).
#pragma once

#include <chrono>
#include <cstdint>

namespace cohort {

// When one bucket's allreduce was issued and when it finished (for timelines).
// With NCCL the host only queues the collective on the comm stream: `end` is
// when the host's wait returned, and CommTiming::wait_s is close to zero.
struct BucketTiming {
  int bucket = 0;
  int64_t bytes = 0;
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;
};

// The gradient communication of the last reduced iteration.
struct CommTiming {
  double wait_s = 0;       // the end of backward waiting for the allreduces (not overlapped)
  double allreduce_s = 0;  // the sum over buckets of issue-to-finish time
};

}  // namespace cohort
