// The collectives cohort needs, on tensors, behind one interface. Backends:
// MpiCommunicator (CPU tensors; between the ranks of a machine through shared
// memory, see shm_allreduce.h) and NcclCommunicator (CUDA tensors).
//
// Every rank must issue the same collectives in the same order. The async
// forms return a Work handle; the blocking forms are the async ones plus
// wait(). A tensor passed to an async collective must stay alive and untouched
// until its Work completes.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "cohort/comm/reduce_op.h"
#include "cohort/comm/work.h"
#include "cohort/core/compression.h"

namespace cohort {

// One buffer asked of newReductionBuffers().
struct BufferSpec {
  int64_t numel = 0;
  at::ScalarType dtype = at::kFloat;
};

// What newMachineShared() returns.
struct MachineShared {
  at::Tensor tensor;   // undefined when the backend cannot share memory
  int local_rank = 0;  // this rank among the ranks of its machine
  int local_size = 1;  // the ranks of this machine
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend() const = 0;

  // In place: every rank's `tensor` ends up holding the reduction.
  // kAvg divides by the world size (truncating toward zero for int64).
  virtual WorkPtr allreduceAsync(at::Tensor& tensor, ReduceOp op) = 0;
  // Out of place: `output` (same shape and dtype as `input`) receives the reduction.
  virtual WorkPtr allreduceAsync(const at::Tensor& input, at::Tensor& output, ReduceOp op) = 0;
  // `tensor` on every rank becomes `root`'s tensor.
  virtual WorkPtr broadcastAsync(at::Tensor& tensor, int root) = 0;
  // `output` has shape [size(), input.sizes()...]; row r receives rank r's input.
  virtual WorkPtr allgatherAsync(const at::Tensor& input, at::Tensor& output) = 0;
  virtual WorkPtr barrierAsync() = 0;

  // Note [Compressed buckets]
  // With DataParallelOptions::compress (COHORT_COMPRESS) bf16 or fp16, the
  // reducer scales each gradient by 1/world while copying it into its float32
  // bucket, so that the bucket's sum over the ranks is the average, and
  // reduces it with this call. Inside a machine the bucket is summed in
  // float32 where it lies (Note [Shared-memory allreduce]). What crosses
  // machines -- each local rank's slice, or the whole bucket where a machine
  // has one rank or memory is not shared -- travels as 16-bit values, and
  // every rounding is kept in a float32 residual and added back the next step
  // (error feedback, Note [Two-sided error feedback] in bucket_exchange.h),
  // so no part of an update is lost, only delayed. The residuals (2 floats per
  // bucket element, zero at first) belong to the caller: they are training
  // state. On one machine with shared memory nothing crosses, nothing is
  // rounded and the residuals stay zero.
  //
  // Sums `bucket` (1-D, contiguous float32 from newReductionBuffers) over
  // every rank in place, as Note [Compressed buckets] says; `residual` is
  // float32, twice the bucket's size, on the same device. kNone is
  // allreduceAsync(bucket, kSum). The default refuses any other compression.
  // NCCL sums 16-bit values itself and feeds back only the sender's rounding.
  virtual WorkPtr allreduceBucketAsync(at::Tensor& bucket, at::Tensor& residual,
                                       Compression compress);

  // Zero-filled 1-D tensors for allreduces repeated many times (gradient
  // buckets), placed where the backend reduces them fastest: shared memory
  // between the ranks of a machine for MPI. Collective: every rank calls it
  // with the same specs. The default allocates ordinary tensors.
  virtual std::vector<at::Tensor> newReductionBuffers(const std::vector<BufferSpec>& specs);

  // Collective: a zero-filled 1-D tensor that is the same memory on every
  // rank of this machine (Note [Shared parameters]), or an undefined one on
  // every rank when the backend cannot provide it -- the default, NCCL, one
  // rank per machine, COHORT_SHM=off, or no room in /dev/shm.
  virtual MachineShared newMachineShared(int64_t numel, at::ScalarType dtype);

  // Blocking forms. The defaults wait on the async forms; a backend may run
  // them on the calling thread instead (see Note [Collective order]).
  virtual void allreduce(at::Tensor& tensor, ReduceOp op = ReduceOp::kSum);
  virtual void allreduce(const at::Tensor& input, at::Tensor& output, ReduceOp op = ReduceOp::kSum);
  virtual void broadcast(at::Tensor& tensor, int root = 0);
  virtual void allgather(const at::Tensor& input, at::Tensor& output);
  virtual void barrier();
};

// Collective: `root`'s text on every rank (the others' `text` is not read).
// `device` is where `comm` takes tensors (a CUDA device for NCCL).
std::string broadcastText(Communicator& comm, const std::string& text, int root,
                          const c10::Device& device = c10::Device(c10::kCPU));

}  // namespace cohort
