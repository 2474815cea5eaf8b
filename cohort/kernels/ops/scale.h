// Bucket copy-in: a gradient element scaled by 1/world size on its way into
// the flat bucket that is reduced.
#pragma once

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

template <typename T>
struct Scale {
  T factor;
  COHORT_HOST_DEVICE T operator()(T x) const { return x * factor; }
};

}  // namespace cohort::ops
