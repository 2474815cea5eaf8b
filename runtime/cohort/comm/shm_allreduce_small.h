// The shared-memory allreduce of a small tensor, in one step.
//
// Note [Small allreduces]
// On a single machine, an allreduce of at most 64 KiB of float32/float64 (and
// at most 256 KiB of all the ranks' inputs together) takes one step instead:
// each rank copies its input into a slot of a scratch segment, posts, waits
// for every other rank's post, and folds every rank's slot into its own
// output. Ranks that finish early may start the next small allreduce while
// others still read this one, so there are two slots, used by turns (the
// parity of the step): a rank can only come back to a slot after every other
// rank has posted the step in between, which it does only once it has read
// everything of the step before. That is one synchronisation where MPI's
// allreduce of a small message takes several, so it is faster from the
// smallest sizes up; bigger messages gain nothing from the copy in.
#pragma once

#include <c10/core/ScalarType.h>
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "cohort/comm/reduce_op.h"
#include "cohort/comm/shm_posts.h"
#include "cohort/comm/shm_segment.h"

namespace cohort {

class ShmSmallAllreduce {
 public:
  static constexpr int64_t kSlotBytes = 64 << 10;   // the largest small allreduce
  static constexpr int64_t kReadBytes = 256 << 10;  // the most a rank reads of the others' inputs
  static constexpr int kMaxLocalRanks = 64;         // ranks of a machine it serves

  // Collective over `world`, whose ranks are all on this machine (`node`):
  // the scratch segment, or nullptr on every rank when any rank could not get
  // one (small allreduces then go through MPI).
  static std::unique_ptr<ShmSmallAllreduce> create(MPI_Comm node, MPI_Comm world, ShmPosts& posts);

  // Whether run() takes an allreduce of `numel` elements of `dtype`; the
  // answer is the same on every rank for the same collective.
  bool handles(int64_t numel, at::ScalarType dtype) const;
  // Reduces `numel` elements of `dtype` (float32 or float64) at `input` into
  // `output` (which may be `input`).
  void run(const void* input, void* output, int64_t numel, at::ScalarType dtype, ReduceOp op,
           int world_size);

 private:
  ShmSmallAllreduce(ShmPosts& posts, std::shared_ptr<ShmSegment> scratch)
      : posts_(posts), scratch_(std::move(scratch)) {}

  ShmPosts& posts_;
  std::shared_ptr<ShmSegment> scratch_;  // two slots per rank
};

}  // namespace cohort
