#include "cohort/optim/sgd.h"

#include "cohort/core/error.h"

namespace cohort::optim {

SGD::SGD(std::vector<at::Tensor> params, SgdOptions options)
    : FusedOptimizer(std::move(params), options.lr, options.momentum != 0 ? 1 : 0, "SGD"),
      options_(options) {
  COHORT_CHECK(!options.nesterov || (options.momentum > 0 && options.dampening == 0), ConfigError,
               "SGD: Nesterov momentum needs momentum > 0 and no dampening",
               "set momentum, or turn nesterov off");
}

void SGD::stepGroup(Stepper& stepper, const std::vector<ops::ParamSlot>& slots,
                    ops::Precision precision, bool fresh, float grad_multiplier) {
  const ops::SgdStep step{static_cast<float>(lr()),
                          static_cast<float>(options_.momentum),
                          static_cast<float>(options_.dampening),
                          static_cast<float>(options_.weight_decay),
                          options_.nesterov,
                          fresh};
  stepper.sgd(slots, precision, step, grad_multiplier);
}

}  // namespace cohort::optim
