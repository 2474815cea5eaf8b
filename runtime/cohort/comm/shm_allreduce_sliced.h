// The shared-memory allreduce of a buffer from newBuffers(), in two steps
// (See Note [Shared-memory allreduce]): every rank posts its buffer, then
// local rank t reduces slice t of every rank's buffer into every buffer.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cohort/comm/bucket_exchange.h"
#include "cohort/comm/reduce_op.h"
#include "cohort/comm/shm_posts.h"
#include "cohort/comm/shm_segment.h"

namespace cohort {

// Alignment of the buffers in shared memory and of their slices, in bytes.
constexpr int64_t kShmAlign = 256;

// [begin, end) of slice t of n elements of `width` bytes cut into `parts`, on
// 256-byte boundaries (whole cache lines, so no two ranks write one line).
std::pair<int64_t, int64_t> sliceOf(int64_t n, int t, int parts, int64_t width);

// How the slices between machines travel (Note [Compressed buckets]): with
// `compress` bf16 or fp16, rounded, `residual` (float32, twice the buffer's
// size, see Note [Two-sided error feedback]) keeping what rounding lost.
struct ShmCompressed {
  Compression compress = Compression::kNone;
  at::Tensor* residual = nullptr;
};

class ShmSlicedAllreduce {
 public:
  // `segments`: the shared memory the buffers lie in (a post's `segment`
  // indexes it; it grows with newBuffers() and outlives this); `cross`: the
  // ranks with this local rank on every one of the `machines`.
  ShmSlicedAllreduce(ShmPosts& posts, const std::vector<std::shared_ptr<ShmSegment>>& segments,
                     MPI_Comm cross, int machines);

  // Reduces the buffer of `numel` float32 or float64 elements at `offset` in
  // this rank's part of segments[segment], in place over every rank of the world.
  void run(int segment, int64_t offset, int64_t numel, at::ScalarType dtype, ReduceOp op,
           int world_size, const ShmCompressed& compressed);

 private:
  char* dataOf(int local_rank) const;  // the buffer rank `local_rank` posted for this step
  // What differs between this rank's post and another's, or "".
  std::string mismatch(int64_t numel, at::ScalarType dtype) const;
  void reduceSlice(int64_t numel, at::ScalarType dtype, ReduceOp op, double divisor,
                   const ShmCompressed& compressed);
  // This rank's slice summed over cross_ through MPI_Allreduce: an MPI error code.
  int allreduceFloat(char* own, int64_t n, at::ScalarType dtype, ReduceOp op) const;

  ShmPosts& posts_;
  const std::vector<std::shared_ptr<ShmSegment>>& segments_;
  MPI_Comm cross_;
  int machines_;
  BucketExchange exchange_;  // this rank's slice between machines (Note [Bucket exchange])
};

}  // namespace cohort
