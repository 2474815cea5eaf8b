#include "cohort/comm/communicator.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/zeros.h>

#include <cstring>

#include "cohort/core/error.h"

namespace cohort {

const char* reduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return "sum";
    case ReduceOp::kAvg:
      return "avg";
    case ReduceOp::kMin:
      return "min";
    case ReduceOp::kMax:
      return "max";
  }
  return "?";
}

std::vector<at::Tensor> Communicator::newReductionBuffers(const std::vector<BufferSpec>& specs) {
  std::vector<at::Tensor> buffers;
  for (const BufferSpec& spec : specs) {
    buffers.push_back(at::zeros({spec.numel}, at::TensorOptions().dtype(spec.dtype)));
  }
  return buffers;
}

WorkPtr Communicator::allreduceBucketAsync(at::Tensor& bucket, at::Tensor&, Compression compress) {
  if (compress == Compression::kNone) return allreduceAsync(bucket, ReduceOp::kSum);
  throw CommError(std::string("the ") + backend() + " communicator cannot send gradients as " +
                      compressionName(compress),
                  "set compress (COHORT_COMPRESS) to none for this backend");
}

MachineShared Communicator::newMachineShared(int64_t, at::ScalarType) { return {}; }

void Communicator::allreduce(at::Tensor& tensor, ReduceOp op) {
  allreduceAsync(tensor, op)->wait();
}

void Communicator::allreduce(const at::Tensor& input, at::Tensor& output, ReduceOp op) {
  allreduceAsync(input, output, op)->wait();
}

void Communicator::broadcast(at::Tensor& tensor, int root) { broadcastAsync(tensor, root)->wait(); }

void Communicator::allgather(const at::Tensor& input, at::Tensor& output) {
  allgatherAsync(input, output)->wait();
}

void Communicator::barrier() { barrierAsync()->wait(); }

std::string broadcastText(Communicator& comm, const std::string& text, int root,
                          const c10::Device& device) {
  const bool mine = comm.rank() == root;
  const auto on = at::TensorOptions().device(device);
  at::Tensor length =
      at::full({1}, mine ? static_cast<int64_t>(text.size()) : 0, on.dtype(at::kLong));
  comm.broadcast(length, root);
  at::Tensor bytes = at::empty({length.cpu().item<int64_t>()}, at::kByte);
  if (mine && !text.empty()) std::memcpy(bytes.data_ptr(), text.data(), text.size());
  bytes = bytes.to(device);
  comm.broadcast(bytes, root);
  bytes = bytes.cpu();
  return std::string(static_cast<const char*>(bytes.data_ptr()),
                     static_cast<size_t>(bytes.numel()));
}

}  // namespace cohort
