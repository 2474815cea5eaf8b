// The post protocol of the shared-memory allreduce (See Note [Shared-memory
// allreduce]): every rank of a machine has one post in shared memory, where
// it says what it reduces and which step it has finished. A step is: fill in
// your post, publish the step's number, and wait until every other rank has
// published it. After the step every post holds what its rank wrote for it,
// until that rank fills it in again: the sliced allreduce takes a second step
// before anyone does; a small one writes the slot of the step's parity.
#pragma once

#include <cstdint>
#include <memory>

#include "cohort/comm/shm_counter.h"
#include "cohort/comm/shm_segment.h"

namespace cohort {

// What one rank publishes for the current step.
struct alignas(64) ShmPost {
  ShmCounter phase;  // the last step this rank has finished
  int32_t segment;   // the buffer it reduces in this collective
  int32_t dtype;
  int64_t offset;
  int64_t numel;
  // A small allreduce's size and dtype, by scratch slot (Note [Small allreduces]).
  int64_t small_numel[2];
  int32_t small_dtype[2];
};

class ShmPosts {
 public:
  static constexpr int64_t kBytes = 256;  // each rank's part of the posts' segment

  // Over `segment` (a part of kBytes per local rank): sets up this rank's
  // post. Nobody may read it before every rank of the machine has done so
  // (the caller's barrier).
  ShmPosts(std::shared_ptr<ShmSegment> segment, int local_rank, int local_size);

  ShmPost& of(int local_rank) const;
  ShmPost& mine() const { return of(local_rank_); }
  int localRank() const { return local_rank_; }
  int localSize() const { return local_size_; }

  // The number of the step this rank publishes next (it wraps around; see ShmCounter).
  uint32_t next() const { return phase_ + 1; }
  // Publishes step next() and returns once every other rank has published it.
  void finishStep();

 private:
  std::shared_ptr<ShmSegment> segment_;
  int local_rank_;
  int local_size_;
  uint32_t phase_ = 0;
};

static_assert(sizeof(ShmPost) <= ShmPosts::kBytes, "a post must fit in its rank's part");

}  // namespace cohort
