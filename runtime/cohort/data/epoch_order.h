// The order of the samples in one epoch: a pure function of the seed, the
// epoch and the data set's shard sizes. The world size is not an input, so
// every world size sees the same sequence and a job can resume on another.
//
// Algorithm (shard-local shuffling, so a reader needs few shards at a time):
//   1. permute the shards with a generator keyed by (seed, epoch);
//   2. cut that shard order into windows of `window_shards` consecutive shards;
//   3. within each window, permute all its samples with a generator keyed by
//      (seed, epoch, window).
// The epoch's sequence is window 0's samples, then window 1's, and so on.
// With shuffle off, shards and rows keep their file order.
#pragma once

#include <cstdint>
#include <vector>

namespace cohort::data {

struct SampleRef {
  int32_t shard;
  int64_t row;
};

class EpochOrder {
 public:
  EpochOrder(const std::vector<int64_t>& shard_samples, uint64_t seed, int64_t epoch,
             int window_shards, bool shuffle);

  int64_t size() const { return window_start_.back(); }
  int numWindows() const { return static_cast<int>(windows_.size()); }
  // The first position of window w (w == numWindows() gives size()).
  int64_t windowStart(int w) const { return window_start_[w]; }
  // The window holding `position` (0 <= position < size()).
  int windowAt(int64_t position) const;
  // The shards of window w.
  const std::vector<int32_t>& windowShards(int w) const { return windows_[w]; }
  // The samples of window w, in epoch order.
  std::vector<SampleRef> windowSamples(int w) const;

 private:
  std::vector<int64_t> shard_samples_;
  uint64_t seed_;
  int64_t epoch_;
  bool shuffle_;
  std::vector<std::vector<int32_t>> windows_;
  std::vector<int64_t> window_start_;
};

// [begin, end) positions of the epoch's sequence that rank `rank` of `world`
// takes in the step starting at `position`, and the position after that step;
// begin == end when the epoch has no more steps for any rank. Each full step
// is a global batch of `global_batch` samples, rank r taking its r-th equal
// slice. The last R < global_batch samples are skipped with drop_last; else
// each rank takes floor(R / world) of them and the last R mod world are skipped.
struct StepSlice {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t next_position = 0;
};
StepSlice stepSlice(int64_t position, int64_t total, int64_t global_batch, int rank, int world,
                    bool drop_last);

// A uniformly random permutation of 0..n-1 determined by (seed, epoch, stream):
// the same on every machine, compiler and standard library.
std::vector<int64_t> keyedPermutation(int64_t n, uint64_t seed, int64_t epoch, uint64_t stream);

}  // namespace cohort::data
