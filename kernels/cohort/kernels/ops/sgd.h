// One parameter's SGD step with momentum, as libtorch's torch::optim::SGD
// takes it:
//   d = g + weight_decay * p
//   buf = first step ? d : momentum * buf + (1 - dampening) * d
//   d = nesterov ? d + momentum * buf : buf          (when momentum != 0)
//   p = p - lr * d
#pragma once

#include "cohort/kernels/ops/host_device.h"

namespace cohort::ops {

struct SgdStep {
  float lr;
  float momentum;
  float dampening;
  float weight_decay;
  bool nesterov;
  bool first_step;  // the momentum buffer starts as the first gradient

  // Selects rather than branches, and `buf` always stored, so that CPU loops
  // over it vectorise (a conditional store is control flow to the compiler).
  COHORT_HOST_DEVICE void operator()(float& p, float g, float& buf) const {
    const bool has_momentum = momentum != 0.0f;
    float d = weight_decay != 0.0f ? g + weight_decay * p : g;
    const float b = first_step ? d : momentum * buf + (1.0f - dampening) * d;
    buf = has_momentum ? b : buf;
    d = has_momentum ? (nesterov ? d + momentum * b : b) : d;
    p = p - lr * d;
  }
};

}  // namespace cohort::ops
