#include "cohort/optim/adamw.h"

namespace cohort::optim {

AdamW::AdamW(std::vector<at::Tensor> params, AdamWOptions options)
    : FusedOptimizer(std::move(params), options.lr, 2, "AdamW"), options_(options) {}

void AdamW::stepGroup(Stepper& stepper, const std::vector<ops::ParamSlot>& slots,
                      ops::Precision precision, bool, float grad_multiplier) {
  // Every parameter shares the step count (as in torch's AdamW when all get
  // gradients every step).
  const auto step =
      ops::AdamWStep::at(static_cast<float>(lr()), static_cast<float>(options_.beta1),
                         static_cast<float>(options_.beta2), static_cast<float>(options_.eps),
                         static_cast<float>(options_.weight_decay), static_cast<long>(steps()));
  stepper.adamw(slots, precision, step, grad_multiplier);
}

}  // namespace cohort::optim
