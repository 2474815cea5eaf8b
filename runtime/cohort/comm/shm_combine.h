// The arithmetic both shared-memory allreduces share: combining the ranks'
// float32 or float64 inputs with a ReduceOp, through the CPU kernel.
#pragma once

#include <c10/core/ScalarType.h>

#include <cstdint>

#include "cohort/comm/reduce_op.h"
#include "cohort/kernels/cpu/reduce_slices.h"

namespace cohort {

// outputs[0..outputs_count) = op over inputs[0..inputs_count), n elements of
// `dtype` (float32 or float64) each, divided by `divisor`.
void combineSlices(char* const* inputs, int inputs_count, char* const* outputs, int outputs_count,
                   int64_t n, at::ScalarType dtype, ReduceOp op, double divisor, cpu::Store store);

}  // namespace cohort
