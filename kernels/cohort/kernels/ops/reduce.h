// Element-wise reductions, as the collectives combine values.
#pragma once

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

template <typename T>
struct Sum {
  COHORT_HOST_DEVICE T operator()(T a, T b) const { return a + b; }
};

template <typename T>
struct Min {
  COHORT_HOST_DEVICE T operator()(T a, T b) const { return b < a ? b : a; }
};

template <typename T>
struct Max {
  COHORT_HOST_DEVICE T operator()(T a, T b) const { return a < b ? b : a; }
};

// The last step of an average: the sum divided by the number of ranks (a
// division, not a product with the reciprocal, so the result is correctly
// rounded and matches a single process's mean).
template <typename T>
struct DivideBy {
  T divisor;
  COHORT_HOST_DEVICE T operator()(T x) const { return x / divisor; }
};

}  // namespace cohort::ops
