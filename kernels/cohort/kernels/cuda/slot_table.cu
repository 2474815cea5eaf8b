#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "cohort/kernels/cuda/check.h"
#include "cohort/kernels/cuda/launch.h"
#include "cohort/kernels/cuda/multi_tensor.cuh"

namespace cohort::cuda {

namespace {

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

bool slotAligned(const ops::ParamSlot& s) {
  return aligned16(s.param) && aligned16(s.grad) && aligned16(s.master) && aligned16(s.exp_avg) &&
         aligned16(s.exp_avg_sq);
}

}  // namespace

SlotTable::SlotTable(const std::vector<ops::ParamSlot>& slots) {
  std::vector<Chunk> chunks;
  for (size_t k = 0; k < slots.size(); ++k) {
    const int aligned = slotAligned(slots[k]) ? 1 : 0;
    for (int64_t begin = 0; begin < slots[k].numel; begin += kChunk) {
      const int64_t end = std::min(slots[k].numel, begin + kChunk);
      chunks.push_back({static_cast<int>(k), aligned, begin, end});
    }
  }
  if (chunks.size() > static_cast<size_t>(INT32_MAX)) {
    throw Error("too many chunks (" + std::to_string(chunks.size()) + ") for one launch",
                "split the parameters over several optimizers");
  }
  chunk_count_ = static_cast<int>(chunks.size());
  if (!slots.empty()) {
    COHORT_CUDA_CHECK(cudaMalloc(&slots_, slots.size() * sizeof(ops::ParamSlot)));
    COHORT_CUDA_CHECK(cudaMemcpy(slots_, slots.data(), slots.size() * sizeof(ops::ParamSlot),
                                 cudaMemcpyHostToDevice));
  }
  if (chunk_count_ > 0) {
    COHORT_CUDA_CHECK(cudaMalloc(&chunks_, chunks.size() * sizeof(Chunk)));
    COHORT_CUDA_CHECK(
        cudaMemcpy(chunks_, chunks.data(), chunks.size() * sizeof(Chunk), cudaMemcpyHostToDevice));
  }
}

SlotTable::~SlotTable() {
  cudaFree(slots_);  // errors here cannot be reported from a destructor
  cudaFree(chunks_);
}

}  // namespace cohort::cuda
