#include "cohort/kernels/cpu/optimizers.h"
#include "cohort/kernels/stepper.h"

namespace cohort {

namespace {

class CpuStepper final : public Stepper {
 public:
  void sgd(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
           const ops::SgdStep& step, float grad_multiplier) override {
    cpu::sgdStep(slots.data(), static_cast<int>(slots.size()), precision, step, grad_multiplier);
  }
  void adamw(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
             const ops::AdamWStep& step, float grad_multiplier) override {
    cpu::adamwStep(slots.data(), static_cast<int>(slots.size()), precision, step, grad_multiplier);
  }
  ops::GradCheck check(const std::vector<ops::ParamSlot>& slots,
                       ops::Precision precision) override {
    return cpu::checkGradients(slots.data(), static_cast<int>(slots.size()), precision);
  }
};

}  // namespace

std::unique_ptr<Stepper> makeCpuStepper() { return std::make_unique<CpuStepper>(); }

}  // namespace cohort
