// Fused SGD with momentum, matching torch::optim::SGD step for step.
#pragma once

#include "cohort/optim/fused_optimizer.h"

namespace cohort::optim {

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD final : public FusedOptimizer {
 public:
  SGD(std::vector<at::Tensor> params, SgdOptions options);
  const SgdOptions& options() const { return options_; }

 private:
  void stepGroup(Stepper& stepper, const std::vector<ops::ParamSlot>& slots,
                 ops::Precision precision, bool fresh, float grad_multiplier) override;
  SgdOptions options_;
};

}  // namespace cohort::optim
