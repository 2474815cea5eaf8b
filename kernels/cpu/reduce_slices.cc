#include "cohort/kernels/cpu/reduce_slices.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>

#include "cohort/kernels/ops/reduce.h"

namespace cohort::cpu {

namespace {

// Blocks small enough that the running result stays in L1 while every input's
// block is folded in; each input is read once, the output written once.
constexpr int64_t kBlock = 2048;

// Stores that bypass the cache: the result is not read again soon, and a
// normal store would first read each line it writes.
inline void streamOut(float* dst, const float* src, int64_t n) {
  int64_t i = 0;
  if (reinterpret_cast<uintptr_t>(dst) % 16 == 0) {
    for (; i + 4 <= n; i += 4) _mm_stream_ps(dst + i, _mm_load_ps(src + i));
  }
  for (; i < n; ++i) dst[i] = src[i];
}
inline void streamOut(double* dst, const double* src, int64_t n) {
  int64_t i = 0;
  if (reinterpret_cast<uintptr_t>(dst) % 16 == 0) {
    for (; i + 2 <= n; i += 2) _mm_stream_pd(dst + i, _mm_load_pd(src + i));
  }
  for (; i < n; ++i) dst[i] = src[i];
}

template <typename T, typename Op>
void fold(const T* const* inputs, T* const* outputs, int count, int64_t n, Op op, T divisor) {
  const ops::DivideBy<T> divide{divisor};
  alignas(64) T acc[kBlock];
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t len = std::min(kBlock, n - start);
    const T* first = inputs[0] + start;
    for (int64_t i = 0; i < len; ++i) acc[i] = first[i];
    for (int k = 1; k < count; ++k) {
      const T* in = inputs[k] + start;
      for (int64_t i = 0; i < len; ++i) acc[i] = op(acc[i], in[i]);
    }
    if (divisor != T(1)) {
      for (int64_t i = 0; i < len; ++i) acc[i] = divide(acc[i]);
    }
    for (int k = 0; k < count; ++k) streamOut(outputs[k] + start, acc, len);
  }
  _mm_sfence();  // the streamed stores are visible before anyone is told they are done
}

template <typename T>
void dispatch(const T* const* inputs, T* const* outputs, int count, int64_t n, Combine combine,
              T divisor) {
  switch (combine) {
    case Combine::kSum: fold(inputs, outputs, count, n, ops::Sum<T>{}, divisor); break;
    case Combine::kMin: fold(inputs, outputs, count, n, ops::Min<T>{}, T(1)); break;
    case Combine::kMax: fold(inputs, outputs, count, n, ops::Max<T>{}, T(1)); break;
  }
}

}  // namespace

void reduceSlices(const float* const* inputs, float* const* outputs, int count, int64_t n,
                  Combine combine, float divisor) {
  dispatch(inputs, outputs, count, n, combine, divisor);
}

void reduceSlices(const double* const* inputs, double* const* outputs, int count, int64_t n,
                  Combine combine, double divisor) {
  dispatch(inputs, outputs, count, n, combine, divisor);
}

}  // namespace cohort::cpu
