#include "cohort/kernels/cpu/bucket_copy.h"

#include "cohort/kernels/ops/compress.h"

namespace cohort::cpu {

namespace {

template <typename Low>
void applyCompress(const float* src, float* error, Low* out, int64_t n, float scale) {
  const ops::CompressIn<Low> compress{scale};
  for (int64_t i = 0; i < n; ++i) out[i] = compress(src[i], error[i]);
}

template <typename Low>
void applyDecompress(const Low* in, float* out, int64_t n) {
  const ops::Decompress<Low> widen;
  for (int64_t i = 0; i < n; ++i) out[i] = widen(in[i]);
}

}  // namespace

void compressIn(const float* src, float* error, c10::BFloat16* out, int64_t n, float scale) {
  applyCompress(src, error, out, n, scale);
}
void compressIn(const float* src, float* error, c10::Half* out, int64_t n, float scale) {
  applyCompress(src, error, out, n, scale);
}
void decompress(const c10::BFloat16* in, float* out, int64_t n) { applyDecompress(in, out, n); }
void decompress(const c10::Half* in, float* out, int64_t n) { applyDecompress(in, out, n); }

}  // namespace cohort::cpu
