#include "cohort/comm/communicator.h"

#include <ATen/ops/zeros.h>

namespace cohort {

const char* reduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kAvg: return "avg";
    case ReduceOp::kMin: return "min";
    case ReduceOp::kMax: return "max";
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

void Communicator::allreduce(at::Tensor& tensor, ReduceOp op) { allreduceAsync(tensor, op)->wait(); }

void Communicator::allreduce(const at::Tensor& input, at::Tensor& output, ReduceOp op) {
  allreduceAsync(input, output, op)->wait();
}

void Communicator::broadcast(at::Tensor& tensor, int root) { broadcastAsync(tensor, root)->wait(); }

void Communicator::allgather(const at::Tensor& input, at::Tensor& output) {
  allgatherAsync(input, output)->wait();
}

void Communicator::barrier() { barrierAsync()->wait(); }

}  // namespace cohort
