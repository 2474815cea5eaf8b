// CPU loop combining several equally long arrays element by element (the
// reduce step of the shared-memory allreduce).
#pragma once

#include <cstdint>

namespace cohort::cpu {

enum class Combine { kSum, kMin, kMax };

// How the result is written.
enum class Store {
  kStream,  // bypassing the cache: large results not read again soon
  kCache,   // ordinary stores: small results their reader wants in cache
};

// r[i] = combine(inputs[0][i], ..., inputs[inputs_count-1][i]) for i in
// [0, n), written to outputs[0..outputs_count-1] (each may be one of the
// inputs: a block of every input is read before the block of any output is
// written). For kSum the result is divided by `divisor` (the world size for an
// average; 1 for a plain sum).
void reduceSlices(const float* const* inputs, int inputs_count, float* const* outputs,
                  int outputs_count, int64_t n, Combine combine, float divisor, Store store);
void reduceSlices(const double* const* inputs, int inputs_count, double* const* outputs,
                  int outputs_count, int64_t n, Combine combine, double divisor, Store store);

}  // namespace cohort::cpu
