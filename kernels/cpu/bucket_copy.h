// CPU loops applying kernels/ops functors to gradient buckets.
#pragma once

#include <cstdint>

namespace cohort::cpu {

// dst[i] = src[i] * factor for i in [0, n).
void scaleCopy(const float* src, float* dst, int64_t n, float factor);
void scaleCopy(const double* src, double* dst, int64_t n, double factor);

}  // namespace cohort::cpu
