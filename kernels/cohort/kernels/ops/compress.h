// Compressed gradient buckets: each float32 gradient, scaled by 1/world size,
// travels as bfloat16 or float16; what the rounding lost is kept in a float32
// error buffer and added back the next step (error feedback), so no update is
// lost for good.
#pragma once

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

// Copy-in: v = g * scale + error; low = round(v); error = v - low.
template <typename Low>
struct CompressIn {
  float scale;
  COHORT_HOST_DEVICE Low operator()(float g, float& error) const {
    const float v = g * scale + error;
    const Low low = Low(v);
    error = v - static_cast<float>(low);
    return low;
  }
};

// Copy-out: the reduced low-precision value back to float32.
template <typename Low>
struct Decompress {
  COHORT_HOST_DEVICE float operator()(Low x) const { return static_cast<float>(x); }
};

}  // namespace cohort::ops
