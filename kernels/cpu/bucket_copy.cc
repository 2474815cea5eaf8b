#include "cohort/kernels/cpu/bucket_copy.h"

#include "cohort/kernels/ops/scale.h"

namespace cohort::cpu {

namespace {
template <typename T>
void apply(const T* src, T* dst, int64_t n, T factor) {
  const ops::Scale<T> scale{factor};
  for (int64_t i = 0; i < n; ++i) dst[i] = scale(src[i]);  // vectorised by the compiler
}
}  // namespace

void scaleCopy(const float* src, float* dst, int64_t n, float factor) { apply(src, dst, n, factor); }
void scaleCopy(const double* src, double* dst, int64_t n, double factor) {
  apply(src, dst, n, factor);
}

}  // namespace cohort::cpu
