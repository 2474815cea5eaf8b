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

template <typename Low>
void applySumWidened(const Low* in, int64_t parts, int64_t n, float* out) {
  const ops::Decompress<Low> widen;
  for (int64_t i = 0; i < n; ++i) out[i] = widen(in[i]);
  for (int64_t p = 1; p < parts; ++p) {
    const Low* part = in + p * n;
    for (int64_t i = 0; i < n; ++i) out[i] += widen(part[i]);
  }
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
void sumWidened(const c10::BFloat16* in, int64_t parts, int64_t n, float* out) {
  applySumWidened(in, parts, n, out);
}
void sumWidened(const c10::Half* in, int64_t parts, int64_t n, float* out) {
  applySumWidened(in, parts, n, out);
}

}  // namespace cohort::cpu
