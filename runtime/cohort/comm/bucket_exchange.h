// A float32 gradient bucket (or a slice of one) summed over an MPI
// communicator as a reduce-scatter then an allgather, with the values on the
// wire as float32 or, compressed, as bfloat16 / float16 with every rounding
// fed back. Used for a whole bucket (MpiCommunicator) and for a local rank's
// slice of one between machines (ShmAllreduce).
//
// Note [Bucket exchange]
// Each rank owns a chunk of the n values (chunkOf). Every rank sends chunk j
// to rank j (MPI_Alltoallv), rank j sums the W copies of its chunk, and every
// rank gathers every summed chunk (MPI_Allgatherv). Each rank sends and
// receives 2(W-1)/W of the bucket, at once in both directions, which is the
// least any allreduce moves. MPI_Allreduce between machines need not: Open
// MPI 4.1 over TCP moved a 23 MiB bucket between 2 hosts in about twice that
// time (a reduce, then a broadcast), the link busy one way at a time.
//
// Note [Two-sided error feedback]
// Compressed, each value crosses the network twice, both times rounded, and
// each rounding is remembered:
//   1. every rank rounds v = x + e (e: its "sender" residual, e <- v - round(v))
//      before the alltoallv;
//   2. rank j sums the W copies of its chunk in float32 and rounds s = sum + f
//      (f: its "owner" residual for the chunk, f <- s - round(s)) before the
//      allgatherv; every rank widens what it gathers back into x.
// The bytes are those of float32 at half width. The sum itself is float32, so
// unlike an allreduce in 16 bits (PyTorch's fp16_compress_hook) no partial
// sum is rounded unremembered: over K steps the results add up to the exact
// sums of the inputs less the last residuals (sum_k out_k = sum_k sum_r x_rk
// - sum_r e_r - f), whatever K is. A bucket's residual tensor holds both: e in
// [0, n), f in [n, 2n), of which only this rank's chunk is used (with shared
// memory: of its slice).
#pragma once

#include <ATen/core/Tensor.h>
#include <mpi.h>

#include <cstdint>
#include <utility>

#include "cohort/core/compression.h"

namespace cohort {

// Float32 buckets and slices from this many elements (256 KiB) go between
// machines as Note [Bucket exchange] says; smaller ones, where latency counts
// more than bandwidth, through MPI_Allreduce.
constexpr int64_t kBucketExchangeLeast = 64 * 1024;

// [begin, end) of rank `rank`'s chunk of n values over `size` ranks.
std::pair<int64_t, int64_t> chunkOf(int64_t n, int rank, int size);

class BucketExchange {
 public:
  // Sums data[0, n) over `comm` in place as Note [Bucket exchange] says. With
  // `compress` bf16 or fp16, as Note [Two-sided error feedback] says, with
  // `sender` (e) and `owner` (f) residuals of n values each, indexed like
  // `data`; with kNone they are not used. Returns the MPI error code of the
  // first failing call, or MPI_SUCCESS. Calls on one object must not overlap
  // (the scratch buffers are reused).
  int run(MPI_Comm comm, float* data, float* sender, float* owner, int64_t n, Compression compress);

 private:
  at::Tensor send_;  // n values on the wire; also where the chunks are gathered
  at::Tensor recv_;  // W copies of this rank's chunk
};

}  // namespace cohort
