// Host-side entry points of the CUDA kernels (kernels/cuda/*.cu). This header
// includes no CUDA header: streams travel as void* (a cudaStream_t), and
// every pointer is device memory. Each call is asynchronous on its stream and
// throws cohort::Error if the launch fails.
#pragma once

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <cstdint>
#include <vector>

#include "cohort/kernels/ops/adamw.h"
#include "cohort/kernels/ops/param_slot.h"
#include "cohort/kernels/ops/sgd.h"

namespace cohort::cuda {

using Stream = void*;

// ---- gradient buckets (kernels/ops/compress.h) ----
void compressIn(const float* src, float* error, c10::BFloat16* out, int64_t n, float scale,
                Stream stream);
void compressIn(const float* src, float* error, c10::Half* out, int64_t n, float scale,
                Stream stream);
void decompress(const c10::BFloat16* in, float* out, int64_t n, Stream stream);
void decompress(const c10::Half* in, float* out, int64_t n, Stream stream);

// ---- many tensors in one launch ----

// A device copy of a list of ParamSlots, cut into chunks that one thread block
// each takes. Built once for an optimizer's parameters and reused every step.
class SlotTable {
 public:
  explicit SlotTable(const std::vector<ops::ParamSlot>& slots);
  ~SlotTable();
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  const void* slots() const { return slots_; }
  const void* chunks() const { return chunks_; }
  int chunkCount() const { return chunk_count_; }

 private:
  void* slots_ = nullptr;   // ops::ParamSlot[n] on the device
  void* chunks_ = nullptr;  // Chunk[chunk_count_] on the device
  int chunk_count_ = 0;
};

// One optimizer step over every slot. Gradients are multiplied by
// grad_multiplier; if `skip` (a device float) is non-null and non-zero when
// the kernel runs, nothing is changed (a loss scaler found a non-finite gradient).
void sgdStep(const SlotTable& table, ops::Precision precision, const ops::SgdStep& step,
             float grad_multiplier, const float* skip, Stream stream);
void adamwStep(const SlotTable& table, ops::Precision precision, const ops::AdamWStep& step,
               float grad_multiplier, const float* skip, Stream stream);

// Adds the squares of every finite gradient element of the table's slots to
// *sum and the number of non-finite ones to *non_finite (device scalars that
// the caller zeroes first).
void checkGradients(const SlotTable& table, ops::Precision precision, double* sum,
                    unsigned long long* non_finite, Stream stream);

}  // namespace cohort::cuda
