#include "cohort/comm/communicator.h"

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
