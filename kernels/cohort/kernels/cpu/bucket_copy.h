// CPU loops applying kernels/ops functors to gradient buckets.
#pragma once

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cstdint>

namespace cohort::cpu {

// Compressed copy-in (kernels/ops/compress.h): out[i] = round(src[i] * scale
// + error[i]), with what the rounding lost left in error[i].
void compressIn(const float* src, float* error, c10::BFloat16* out, int64_t n, float scale);
void compressIn(const float* src, float* error, c10::Half* out, int64_t n, float scale);

// Copy-out: out[i] = float(in[i]).
void decompress(const c10::BFloat16* in, float* out, int64_t n);
void decompress(const c10::Half* in, float* out, int64_t n);

// out[i] = sum over p < parts of float(in[p * n + i]), summed in float32.
void sumWidened(const c10::BFloat16* in, int64_t parts, int64_t n, float* out);
void sumWidened(const c10::Half* in, int64_t parts, int64_t n, float* out);

}  // namespace cohort::cpu
