// Gradient bucket kernels: scaled copy-in, compressed copy-in with error
// feedback, and copy-out, applying the functors of kernels/ops.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/cuda/multi_tensor.cuh"
#include "cohort/kernels/ops/compress.h"

namespace cohort::cuda {

namespace {

constexpr int kBlock = 256;

// The device type behind each c10 16-bit type, and its conversions.
template <typename C10>
struct Device16;
template <>
struct Device16<c10::BFloat16> {
  using type = __nv_bfloat16;
  static __device__ type from(float x) { return __float2bfloat16_rn(x); }
  static __device__ float to(type x) { return __bfloat162float(x); }
};
template <>
struct Device16<c10::Half> {
  using type = __half;
  static __device__ type from(float x) { return __float2half_rn(x); }
  static __device__ float to(type x) { return __half2float(x); }
};

// A 16-bit value that ops::CompressIn / Decompress can construct and read.
template <typename C10>
struct Low {
  typename Device16<C10>::type bits;
  Low() = default;
  __device__ explicit Low(float x) : bits(Device16<C10>::from(x)) {}
  __device__ explicit operator float() const { return Device16<C10>::to(bits); }
};

int blocksFor(int64_t n, int per_thread) {
  const int64_t blocks = (n + int64_t{kBlock} * per_thread - 1) / (int64_t{kBlock} * per_thread);
  return static_cast<int>(std::min<int64_t>(std::max<int64_t>(blocks, 1), 1 << 20));
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

template <typename C10>
__global__ void compressKernel(const float* src, float* error, Low<C10>* out, int64_t n,
                               float scale) {
  const ops::CompressIn<Low<C10>> compress{scale};
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
    float e = error[i];
    out[i] = compress(src[i], e);
    error[i] = e;
  }
}

// Four 16-bit values as one 8-byte access.
template <typename C10>
struct alignas(8) Low4 {
  Low<C10> v[4];
};

template <typename C10>
__global__ void decompressKernel(const Low<C10>* in, float* out, int64_t n, bool vector) {
  const ops::Decompress<Low<C10>> widen;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  const int64_t first = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  int64_t done = 0;
  if (vector) {  // 8-byte loads, 16-byte stores
    for (int64_t i = first * 4; i + 3 < n; i += stride * 4) {
      const Low4<C10> x = *reinterpret_cast<const Low4<C10>*>(in + i);
      store4(out + i, make_float4(widen(x.v[0]), widen(x.v[1]), widen(x.v[2]), widen(x.v[3])));
    }
    done = n / 4 * 4;
  }
  for (int64_t i = done + first; i < n; i += stride) out[i] = widen(in[i]);
}

template <typename C10>
void compressLaunch(const float* src, float* error, C10* out, int64_t n, float scale,
                    Stream stream) {
  if (n == 0) return;
  compressKernel<C10><<<blocksFor(n, 4), kBlock, 0, static_cast<cudaStream_t>(stream)>>>(
      src, error, reinterpret_cast<Low<C10>*>(out), n, scale);
  COHORT_CUDA_CHECK(cudaGetLastError());
}

template <typename C10>
void decompressLaunch(const C10* in, float* out, int64_t n, Stream stream) {
  if (n == 0) return;
  const bool vector = reinterpret_cast<uintptr_t>(in) % 8 == 0 && aligned16(out);
  decompressKernel<C10>
      <<<blocksFor(n, vector ? 8 : 4), kBlock, 0, static_cast<cudaStream_t>(stream)>>>(
          reinterpret_cast<const Low<C10>*>(in), out, n, vector);
  COHORT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void compressIn(const float* src, float* error, c10::BFloat16* out, int64_t n, float scale,
                Stream stream) {
  compressLaunch(src, error, out, n, scale, stream);
}
void compressIn(const float* src, float* error, c10::Half* out, int64_t n, float scale,
                Stream stream) {
  compressLaunch(src, error, out, n, scale, stream);
}
void decompress(const c10::BFloat16* in, float* out, int64_t n, Stream stream) {
  decompressLaunch(in, out, n, stream);
}
void decompress(const c10::Half* in, float* out, int64_t n, Stream stream) {
  decompressLaunch(in, out, n, stream);
}

}  // namespace cohort::cuda
