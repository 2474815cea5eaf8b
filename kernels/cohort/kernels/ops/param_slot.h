// The tensors one parameter's optimizer step touches, by raw pointer, so the
// same description serves the CPU loops (kernels/cpu) and the CUDA kernels
// (kernels/cuda) without either seeing libtorch.
#pragma once

#include <cstdint>

namespace cohort::ops {

// How a parameter and its gradient are stored: float32, or bfloat16 with a
// float32 master copy of the parameter that the step updates and rounds back.
enum class Precision { kFloat32, kBFloat16 };

struct ParamSlot {
  void* param = nullptr;        // float or bfloat16, by Precision
  const void* grad = nullptr;   // same storage type as param
  float* master = nullptr;      // bfloat16 parameters only
  float* exp_avg = nullptr;     // SGD's momentum buffer, or AdamW's first moment
  float* exp_avg_sq = nullptr;  // AdamW's second moment
  int64_t numel = 0;
};

}  // namespace cohort::ops
