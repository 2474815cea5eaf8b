// The global gradient norm's sum of squares and non-finite count over many
// tensors in one launch (kernels/ops/norm.h): each block folds its chunk, then
// one atomic add per block.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/cuda/multi_tensor.cuh"
#include "cohort/kernels/ops/norm.h"

namespace cohort::cuda {

namespace {

__device__ __forceinline__ float element(const float* g, int64_t i) { return g[i]; }
__device__ __forceinline__ float element(const __nv_bfloat16* g, int64_t i) {
  return __bfloat162float(g[i]);
}

template <typename G>
struct NormBody {
  double* sum;
  unsigned long long* non_finite;

  __device__ void operator()(const ops::ParamSlot& s, const Chunk& c) const {
    const G* g = static_cast<const G*>(s.grad);
    const ops::SquareAndCheck check;
    double local = 0;
    unsigned bad = 0;
    for (int64_t i = c.begin + threadIdx.x; i < c.end; i += kThreads)
      check(element(g, i), local, bad);
    // Fold the block: within each warp, then the warps' results through shared memory.
    for (int offset = 16; offset > 0; offset /= 2) {
      local += __shfl_down_sync(0xffffffffu, local, offset);
      bad += __shfl_down_sync(0xffffffffu, bad, offset);
    }
    __shared__ double warp_sums[kThreads / 32];
    __shared__ unsigned warp_bad[kThreads / 32];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) {
      warp_sums[warp] = local;
      warp_bad[warp] = bad;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      double block_sum = 0;
      unsigned long long block_bad = 0;
      for (int w = 0; w < kThreads / 32; ++w) {
        block_sum += warp_sums[w];
        block_bad += warp_bad[w];
      }
      atomicAdd(sum, block_sum);
      if (block_bad != 0) atomicAdd(non_finite, block_bad);
    }
  }
};

}  // namespace

void checkGradients(const SlotTable& table, ops::Precision precision, double* sum,
                    unsigned long long* non_finite, Stream stream) {
  if (table.chunkCount() == 0) return;
  const auto* slots = static_cast<const ops::ParamSlot*>(table.slots());
  const auto* chunks = static_cast<const Chunk*>(table.chunks());
  auto s = static_cast<cudaStream_t>(stream);
  if (precision == ops::Precision::kFloat32) {
    perChunk<<<table.chunkCount(), kThreads, 0, s>>>(slots, chunks, nullptr,
                                                     NormBody<float>{sum, non_finite});
  } else {
    perChunk<<<table.chunkCount(), kThreads, 0, s>>>(slots, chunks, nullptr,
                                                     NormBody<__nv_bfloat16>{sum, non_finite});
  }
  COHORT_CUDA_CHECK(cudaGetLastError());
}

}  // namespace cohort::cuda
