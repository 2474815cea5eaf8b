// CPU loop combining several equally long arrays element by element (the
// reduce step of the shared-memory allreduce).
#pragma once

#include <cstdint>

namespace cohort::cpu {

enum class Combine { kSum, kMin, kMax };

// r[i] = combine(inputs[0][i], ..., inputs[count-1][i]) for i in [0, n),
// written to outputs[0..count-1] (each may be one of the inputs: a block of
// every input is read before the block of any output is written). For kSum
// the result is divided by `divisor` (the world size for an average; 1 for a
// plain sum). Outputs are written with streaming stores.
void reduceSlices(const float* const* inputs, float* const* outputs, int count, int64_t n,
                  Combine combine, float divisor);
void reduceSlices(const double* const* inputs, double* const* outputs, int count, int64_t n,
                  Combine combine, double divisor);

}  // namespace cohort::cpu
