// Allreduce through shared memory among the ranks of one machine, with MPI
// between machines.
//
// Note [Shared-memory allreduce]
// MPI's allreduce of a large buffer between ranks of one machine copies every
// byte through its own buffers or the kernel. Gradient buckets, which are
// reduced every step, are instead allocated in POSIX shared memory
// (newBuffers()), and the ranks of a machine (local ranks 0..L-1) combine them
// where they lie, each doing an equal share of the arithmetic:
//   step 1: each rank posts which buffer it reduces and waits for every other
//           rank's post (which must name a buffer of the same size and dtype);
//   step 2: local rank t reduces slice t of every rank's buffer (divided by
//           the world size for an average) and writes the result into slice t
//           of every rank's buffer -- nobody else reads slice t, so no one
//           waits for that. With several machines it first allreduces its
//           slice over MPI with the ranks of the same local rank on the other
//           machines, so each local rank carries 1/L of the traffic between
//           machines. When every rank has finished step 2, every buffer holds
//           the whole result.
// Per rank that is one read and one write of the buffer's size, against the
// copy in, the reduction and the copy out of a private buffer through MPI.
//
// Ranks wait for each other on counters in shared memory (spinning briefly,
// then sleeping on a futex: ranks often outnumber cores, and a rank waiting
// for a slower one should leave its core to its own backward pass). This path is
// taken for in-place allreduces of float32/float64 buffers from newBuffers(),
// which every rank allocates alike; either every rank gets shared buffers or
// none does, so every rank takes the same path for the same collective.
//
// The files, as gloo keeps them: this one sets the machine up and lays out
// the buffers in shared memory; shm_posts.h is the post protocol the ranks
// step through; shm_allreduce_sliced.h is the algorithm above and
// shm_allreduce_small.h the one of Note [Small allreduces].
#pragma once

#include <ATen/core/Tensor.h>
#include <mpi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cohort/comm/communicator.h"
#include "cohort/comm/shm_allreduce_sliced.h"
#include "cohort/comm/shm_segment.h"

namespace cohort {

class ShmPosts;
class ShmSlicedAllreduce;
class ShmSmallAllreduce;

class ShmAllreduce {
 public:
  // Collective over `world`. Returns nullptr on every rank when shared memory
  // would not help (one rank per machine), when machines hold different
  // numbers of ranks, or when it cannot be set up (`why` says which).
  static std::unique_ptr<ShmAllreduce> create(MPI_Comm world, std::string* why);
  ~ShmAllreduce();

  // Whether run() takes this allreduce: in place, float32 or float64, on a
  // buffer from newBuffers().
  bool handles(const at::Tensor& input, const at::Tensor& output) const;

  // Reduces `buffer` in place over every rank of `world`. With
  // `compressed.compress` bf16 or fp16 (a float32 buffer, kSum), the slice
  // each rank sends between machines travels rounded, with
  // `compressed.residual` keeping what rounding lost (Note [Compressed
  // buckets]).
  void run(at::Tensor& buffer, ReduceOp op, int world_size, const ShmCompressed& compressed);
  void run(at::Tensor& buffer, ReduceOp op, int world_size) {
    run(buffer, op, world_size, ShmCompressed{});
  }

  // Whether runSmall() takes an allreduce of this contiguous tensor (Note
  // [Small allreduces]); the answer is the same on every rank for the same
  // collective.
  bool handlesSmall(const at::Tensor& input) const;
  // Reduces contiguous `input` into `output` (which may be `input`).
  void runSmall(const at::Tensor& input, at::Tensor& output, ReduceOp op, int world_size);

  // Collective over `world`: zero-filled 1-D tensors, in shared memory on
  // every rank or (when any machine cannot provide it) on none.
  std::vector<at::Tensor> newBuffers(MPI_Comm world, const std::vector<BufferSpec>& specs);

  // Collective over `world`: a zero-filled tensor that is the same memory on
  // every rank of this machine, or (when any machine cannot provide it) an
  // undefined one on every rank.
  at::Tensor newShared(MPI_Comm world, int64_t numel, at::ScalarType dtype);

  int localRank() const { return local_rank_; }
  int localSize() const { return local_size_; }
  // Allreduces run through shared memory so far.
  uint64_t count() const { return count_; }

 private:
  ShmAllreduce() = default;

  // Where `p` (of `bytes`) lies in one of this rank's shared parts: segment index and offset.
  bool locate(const void* p, int64_t bytes, int* segment, int64_t* offset) const;
  // Collective over `world`: a new segment on this machine, or nullptr on every
  // rank when any machine could not create one (`why` says why).
  std::shared_ptr<ShmSegment> segmentOnEveryMachine(MPI_Comm world, int64_t bytes_per_part,
                                                    std::string* why) const;

  MPI_Comm node_ = MPI_COMM_NULL;   // the ranks of this machine
  MPI_Comm cross_ = MPI_COMM_NULL;  // the ranks with this local rank on every machine
  int local_rank_ = 0;
  int local_size_ = 1;
  int machines_ = 1;
  std::atomic<uint64_t> count_{0};
  std::unique_ptr<ShmPosts> posts_;
  // The buffers' shared memory: newBuffers() adds one segment per call.
  std::vector<std::shared_ptr<ShmSegment>> segments_;
  std::unique_ptr<ShmSlicedAllreduce> sliced_;
  std::unique_ptr<ShmSmallAllreduce> small_;  // null: small allreduces go through MPI
};

}  // namespace cohort
