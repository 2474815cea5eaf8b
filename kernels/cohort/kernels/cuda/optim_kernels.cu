// Fused multi-tensor SGD and AdamW: one launch updates every parameter of an
// optimizer (see multi_tensor.cuh), applying the functors of kernels/ops that
// the CPU loops apply too.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/cuda/multi_tensor.cuh"

namespace cohort::cuda {

namespace {

// ---- loading and storing four elements of each kind ----

struct Bf16x4 {
  __nv_bfloat162 lo, hi;
};

__device__ __forceinline__ float4 loadGrad4(const float* g) { return load4(g); }
__device__ __forceinline__ float4 loadGrad4(const __nv_bfloat16* g) {
  const Bf16x4 v = *reinterpret_cast<const Bf16x4*>(g);
  const float2 a = __bfloat1622float2(v.lo), b = __bfloat1622float2(v.hi);
  return make_float4(a.x, a.y, b.x, b.y);
}
__device__ __forceinline__ float loadGrad(const float* g, int64_t i) { return g[i]; }
__device__ __forceinline__ float loadGrad(const __nv_bfloat16* g, int64_t i) {
  return __bfloat162float(g[i]);
}

__device__ __forceinline__ void storeParam4(__nv_bfloat16* p, float4 v) {
  Bf16x4 out{__floats2bfloat162_rn(v.x, v.y), __floats2bfloat162_rn(v.z, v.w)};
  *reinterpret_cast<Bf16x4*>(p) = out;
}

// The float32 values a step updates: the parameter itself, or its master copy.
template <typename P>
__device__ __forceinline__ float* values(const ops::ParamSlot& s) {
  return sizeof(P) == 4 ? static_cast<float*>(s.param) : s.master;
}

// Visits the chunk four elements at a time where aligned, then one at a time:
// visit4(i) for i in [begin, vector_end) step 4, visit1(i) for the rest.
template <typename Visit4, typename Visit1>
__device__ __forceinline__ void forChunk(const Chunk& c, Visit4 visit4, Visit1 visit1) {
  const int64_t vector_end = c.aligned ? c.begin + (c.end - c.begin) / 4 * 4 : c.begin;
  for (int64_t i = c.begin + 4 * threadIdx.x; i < vector_end; i += 4 * kThreads) visit4(i);
  for (int64_t i = vector_end + threadIdx.x; i < c.end; i += kThreads) visit1(i);
}

// ---- the bodies (P: the stored parameter type, float or bfloat16) ----

template <typename P>
struct AdamWBody {
  ops::AdamWStep step;
  float mult;

  __device__ void operator()(const ops::ParamSlot& s, const Chunk& c) const {
    float* x = values<P>(s);
    const P* g = static_cast<const P*>(s.grad);
    float* m = s.exp_avg;
    float* v = s.exp_avg_sq;
    forChunk(
        c,
        [&](int64_t i) {
          float4 X = load4(x + i), G = loadGrad4(g + i), M = load4(m + i), V = load4(v + i);
          step(X.x, G.x * mult, M.x, V.x);
          step(X.y, G.y * mult, M.y, V.y);
          step(X.z, G.z * mult, M.z, V.z);
          step(X.w, G.w * mult, M.w, V.w);
          store4(x + i, X);
          store4(m + i, M);
          store4(v + i, V);
          if constexpr (sizeof(P) == 2) storeParam4(static_cast<P*>(s.param) + i, X);
        },
        [&](int64_t i) {
          step(x[i], loadGrad(g, i) * mult, m[i], v[i]);
          if constexpr (sizeof(P) == 2) static_cast<P*>(s.param)[i] = __float2bfloat16_rn(x[i]);
        });
  }
};

template <typename P>
struct SgdBody {
  ops::SgdStep step;
  float mult;

  __device__ void operator()(const ops::ParamSlot& s, const Chunk& c) const {
    float* x = values<P>(s);
    const P* g = static_cast<const P*>(s.grad);
    float* buf = s.exp_avg;
    if (buf == nullptr) {  // no momentum: no buffer
      forChunk(
          c,
          [&](int64_t i) {
            float4 X = load4(x + i), G = loadGrad4(g + i);
            float unused = 0;
            step(X.x, G.x * mult, unused);
            step(X.y, G.y * mult, unused);
            step(X.z, G.z * mult, unused);
            step(X.w, G.w * mult, unused);
            store4(x + i, X);
            if constexpr (sizeof(P) == 2) storeParam4(static_cast<P*>(s.param) + i, X);
          },
          [&](int64_t i) {
            float unused = 0;
            step(x[i], loadGrad(g, i) * mult, unused);
            if constexpr (sizeof(P) == 2) static_cast<P*>(s.param)[i] = __float2bfloat16_rn(x[i]);
          });
      return;
    }
    forChunk(
        c,
        [&](int64_t i) {
          float4 X = load4(x + i), G = loadGrad4(g + i), B = load4(buf + i);
          step(X.x, G.x * mult, B.x);
          step(X.y, G.y * mult, B.y);
          step(X.z, G.z * mult, B.z);
          step(X.w, G.w * mult, B.w);
          store4(x + i, X);
          store4(buf + i, B);
          if constexpr (sizeof(P) == 2) storeParam4(static_cast<P*>(s.param) + i, X);
        },
        [&](int64_t i) {
          step(x[i], loadGrad(g, i) * mult, buf[i]);
          if constexpr (sizeof(P) == 2) static_cast<P*>(s.param)[i] = __float2bfloat16_rn(x[i]);
        });
  }
};

template <typename Body>
void launch(const SlotTable& table, const float* skip, Body body, Stream stream) {
  if (table.chunkCount() == 0) return;
  perChunk<<<table.chunkCount(), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const ops::ParamSlot*>(table.slots()), static_cast<const Chunk*>(table.chunks()),
      skip, body);
  COHORT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void sgdStep(const SlotTable& table, ops::Precision precision, const ops::SgdStep& step,
             float grad_multiplier, const float* skip, Stream stream) {
  if (precision == ops::Precision::kFloat32) {
    launch(table, skip, SgdBody<float>{step, grad_multiplier}, stream);
  } else {
    launch(table, skip, SgdBody<__nv_bfloat16>{step, grad_multiplier}, stream);
  }
}

void adamwStep(const SlotTable& table, ops::Precision precision, const ops::AdamWStep& step,
               float grad_multiplier, const float* skip, Stream stream) {
  if (precision == ops::Precision::kFloat32) {
    launch(table, skip, AdamWBody<float>{step, grad_multiplier}, stream);
  } else {
    launch(table, skip, AdamWBody<__nv_bfloat16>{step, grad_multiplier}, stream);
  }
}

}  // namespace cohort::cuda
