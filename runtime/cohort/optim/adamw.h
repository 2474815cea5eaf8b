// Fused AdamW, matching torch::optim::AdamW (without amsgrad) step for step.
#pragma once

#include "cohort/optim/fused_optimizer.h"

namespace cohort::optim {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
};

class AdamW final : public FusedOptimizer {
 public:
  AdamW(std::vector<at::Tensor> params, AdamWOptions options);
  const AdamWOptions& options() const { return options_; }

 private:
  void stepGroup(Stepper& stepper, const std::vector<ops::ParamSlot>& slots,
                 ops::Precision precision, bool fresh, float grad_multiplier) override;
  AdamWOptions options_;
};

}  // namespace cohort::optim
