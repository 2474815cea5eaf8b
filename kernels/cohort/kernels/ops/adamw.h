// One parameter's AdamW step, in the order libtorch's torch::optim::AdamW
// takes it (decoupled weight decay, bias-corrected moments, no amsgrad):
//   p = p * (1 - lr * weight_decay)
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   p = p - (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)
// where bc1 = 1 - beta1^step and bc2 = 1 - beta2^step.
#pragma once

#include <cmath>

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

struct AdamWStep {
  float lr;
  float beta1;
  float beta2;
  float eps;
  float weight_decay;
  float step_size;  // lr / bc1
  float bc2_sqrt;   // sqrt(bc2)

  // The per-step constants for step number `step` (1, 2, ...).
  static AdamWStep at(float lr, float beta1, float beta2, float eps, float weight_decay,
                      long step) {
    const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
    return {lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            static_cast<float>(lr / bc1),
            static_cast<float>(std::sqrt(bc2))};
  }

  COHORT_HOST_DEVICE void operator()(float& p, float g, float& m, float& v) const {
    using std::sqrt;
    p = p * (1.0f - lr * weight_decay);
    m = beta1 * m + (1.0f - beta1) * g;
    v = beta2 * v + (1.0f - beta2) * g * g;
    const float denom = sqrt(v) / bc2_sqrt + eps;
    p = p - step_size * (m / denom);
  }
};

}  // namespace cohort::ops
