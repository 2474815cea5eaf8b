// The part of Note [Compressed buckets] that crosses machines: float32 values
// summed over an MPI communicator while travelling as bfloat16 or float16,
// every rounding fed back. Used for a whole bucket (MpiCommunicator) and for
// a local rank's slice of one (ShmAllreduce).
//
// Note [Two-sided error feedback]
// Over W ranks, each value of x (n of them) crosses the network twice, as in
// a ring allreduce, but both times rounded, and each rounding is remembered:
//   1. every rank rounds v = x + e (e: its "sender" residual, e <- v - round(v))
//      and sends chunk j of round(v) to rank j (MPI_Alltoallv);
//   2. rank j sums the W copies of its chunk in float32, rounds s = sum + f
//      (f: its "owner" residual for the chunk, f <- s - round(s)) and every
//      rank gathers every chunk (MPI_Allgatherv) and widens it back into x.
// The bytes sent are those of a ring allreduce at half width. The sum itself
// is float32, so unlike an allreduce in 16 bits (PyTorch's
// fp16_compress_hook) no partial sum is rounded unremembered: over K steps
// the results add up to the exact sums of the inputs less the last residuals
// (sum_k out_k = sum_k sum_r x_rk - sum_r e_r - f), whatever K is.
// A bucket's residual tensor holds both: e in [0, n), f in [n, 2n), of which
// only this rank's chunk is used (with shared memory: of its slice).
#pragma once

#include <ATen/core/Tensor.h>
#include <mpi.h>

#include <cstdint>
#include <utility>

#include "cohort/core/compression.h"

namespace cohort {

// [begin, end) of rank `rank`'s chunk of n values over `size` ranks.
std::pair<int64_t, int64_t> chunkOf(int64_t n, int rank, int size);

class CompressedExchange {
 public:
  // Sums data[0, n) over `comm` in place as Note [Two-sided error feedback]
  // says, with `sender` (e) and `owner` (f) residuals of n values each,
  // indexed like `data`. `compress` is bf16 or fp16.
  // Returns the MPI error code of the first failing call, or MPI_SUCCESS.
  // Calls on one object must not overlap (the scratch buffers are reused).
  int run(MPI_Comm comm, float* data, float* sender, float* owner, int64_t n,
          Compression compress);

 private:
  at::Tensor send_;  // n 16-bit values; also where the chunks are gathered
  at::Tensor recv_;  // W copies of this rank's chunk
};

}  // namespace cohort
