#include "cohort/kernels/cpu/reduce_slices.h"

#include <immintrin.h>
#include <algorithm>
#include <cstring>

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

template <typename T>
void storeOut(T* dst, const T* src, int64_t n, Store store) {
  if (store == Store::kStream) {
    streamOut(dst, src, n);
  } else {
    std::memcpy(dst, src, n * sizeof(T));
  }
}

template <typename T, typename Op>
void fold(const T* const* inputs, int inputs_count, T* const* outputs, int outputs_count, int64_t n,
          Op op, T divisor, Store store) {
  const ops::DivideBy<T> divide{divisor};
  alignas(64) T acc[kBlock];
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t len = std::min(kBlock, n - start);
    const T* first = inputs[0] + start;
    for (int64_t i = 0; i < len; ++i) acc[i] = first[i];
    for (int k = 1; k < inputs_count; ++k) {
      const T* in = inputs[k] + start;
      for (int64_t i = 0; i < len; ++i) acc[i] = op(acc[i], in[i]);
    }
    if (divisor != T(1)) {
      for (int64_t i = 0; i < len; ++i) acc[i] = divide(acc[i]);
    }
    for (int k = 0; k < outputs_count; ++k) storeOut(outputs[k] + start, acc, len, store);
  }
  // The streamed stores are visible before anyone is told they are done.
  if (store == Store::kStream) _mm_sfence();
}

template <typename T>
void dispatch(const T* const* inputs, int inputs_count, T* const* outputs, int outputs_count,
              int64_t n, Combine combine, T divisor, Store store) {
  switch (combine) {
    case Combine::kSum:
      fold(inputs, inputs_count, outputs, outputs_count, n, ops::Sum<T>{}, divisor, store);
      break;
    case Combine::kMin:
      fold(inputs, inputs_count, outputs, outputs_count, n, ops::Min<T>{}, T(1), store);
      break;
    case Combine::kMax:
      fold(inputs, inputs_count, outputs, outputs_count, n, ops::Max<T>{}, T(1), store);
      break;
  }
}

}  // namespace

void reduceSlices(const float* const* inputs, int inputs_count, float* const* outputs,
                  int outputs_count, int64_t n, Combine combine, float divisor, Store store) {
  dispatch(inputs, inputs_count, outputs, outputs_count, n, combine, divisor, store);
}

void reduceSlices(const double* const* inputs, int inputs_count, double* const* outputs,
                  int outputs_count, int64_t n, Combine combine, double divisor, Store store) {
  dispatch(inputs, inputs_count, outputs, outputs_count, n, combine, divisor, store);
}

}  // namespace cohort::cpu
