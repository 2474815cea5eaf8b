// The state of libtorch's default CPU random generator, which a checkpoint
// saves for every rank (rng.h5) and resume puts back.
#pragma once

#include <ATen/core/Tensor.h>

namespace cohort::checkpoint {

// A copy of the generator's state, as a byte tensor.
at::Tensor cpuRngState();
// Makes `state` (from cpuRngState(), on any rank) the generator's state.
void setCpuRngState(const at::Tensor& state);

}  // namespace cohort::checkpoint
