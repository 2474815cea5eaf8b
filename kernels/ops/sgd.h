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

  COHORT_HOST_DEVICE void operator()(float& p, float g, float& buf) const {
    float d = g;
    if (weight_decay != 0.0f) d = d + weight_decay * p;
    if (momentum != 0.0f) {
      buf = first_step ? d : momentum * buf + (1.0f - dampening) * d;
      d = nesterov ? d + momentum * buf : buf;
    }
    p = p - lr * d;
  }
};

}  // namespace cohort::ops
