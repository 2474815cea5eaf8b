// The pieces of a global gradient norm: each element's square, and whether it
// is finite (a NaN or an infinity makes the step one to skip).
#pragma once

#include <cmath>
#include <cstdint>

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

// The outcome over many gradients: the sum of squares of the finite elements
// (the squared global norm when every element is finite) and the count of
// elements that are not.
struct GradCheck {
  double sum_of_squares = 0;
  uint64_t non_finite = 0;
};

struct SquareAndCheck {
  // Adds g*g to `sum` (in double: millions of small squares) and counts non-finite values.
  COHORT_HOST_DEVICE void operator()(float g, double& sum, unsigned& non_finite) const {
    using std::isfinite;
    if (isfinite(g)) {
      sum += static_cast<double>(g) * static_cast<double>(g);
    } else {
      ++non_finite;
    }
  }
};

}  // namespace cohort::ops
