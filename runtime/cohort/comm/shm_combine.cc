#include "cohort/comm/shm_combine.h"

namespace cohort {

namespace {

cpu::Combine combineOf(ReduceOp op) {
  switch (op) {
    case ReduceOp::kMin:
      return cpu::Combine::kMin;
    case ReduceOp::kMax:
      return cpu::Combine::kMax;
    default:
      return cpu::Combine::kSum;
  }
}

}  // namespace

void combineSlices(char* const* inputs, int inputs_count, char* const* outputs, int outputs_count,
                   int64_t n, at::ScalarType dtype, ReduceOp op, double divisor, cpu::Store store) {
  if (dtype == at::kFloat) {
    cpu::reduceSlices(reinterpret_cast<const float* const*>(inputs), inputs_count,
                      reinterpret_cast<float* const*>(outputs), outputs_count, n, combineOf(op),
                      static_cast<float>(divisor), store);
  } else {
    cpu::reduceSlices(reinterpret_cast<const double* const*>(inputs), inputs_count,
                      reinterpret_cast<double* const*>(outputs), outputs_count, n, combineOf(op),
                      divisor, store);
  }
}

}  // namespace cohort
