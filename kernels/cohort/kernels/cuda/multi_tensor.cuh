// Many tensors in one launch: a SlotTable cuts every slot into chunks of
// kChunk elements and each thread block takes one chunk. Chunk starts are
// multiples of kChunk, so a slot whose pointers are 16-byte aligned can be
// read and written four floats at a time.
#pragma once

#include <cstdint>

#include "cohort/kernels/ops/param_slot.h"

namespace cohort::cuda {

constexpr int kThreads = 512;
constexpr int64_t kChunk = 65536;

struct Chunk {
  int slot;
  int aligned;  // every pointer of the slot is 16-byte aligned
  int64_t begin;
  int64_t end;
};

// Runs body(slot, chunk) for the block's chunk, unless *skip is non-zero.
template <typename Body>
__global__ void __launch_bounds__(kThreads)
    perChunk(const ops::ParamSlot* slots, const Chunk* chunks, const float* skip, Body body) {
  if (skip != nullptr && *skip != 0.0f) return;
  const Chunk c = chunks[blockIdx.x];
  body(slots[c.slot], c);
}

// Four consecutive elements as one 16-byte access.
__device__ __forceinline__ float4 load4(const float* p) {
  return __ldcs(reinterpret_cast<const float4*>(p));
}
__device__ __forceinline__ void store4(float* p, float4 v) {
  __stcs(reinterpret_cast<float4*>(p), v);
}

}  // namespace cohort::cuda
