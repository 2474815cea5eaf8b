// Where an optimizer's arithmetic runs: the CPU loops (kernels/cpu) or the
// CUDA kernels (kernels/cuda), behind one interface, so an optimizer holds
// one stepper per device and never branches on the device itself.
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <vector>

#include "cohort/kernels/ops/adamw.h"
#include "cohort/kernels/ops/norm.h"
#include "cohort/kernels/ops/param_slot.h"
#include "cohort/kernels/ops/sgd.h"

namespace cohort {

class Stepper {
 public:
  virtual ~Stepper() = default;
  // Slots may change between calls (a gradient was replaced); a stepper
  // caches what it can. GPU work is queued in order with libtorch's.
  virtual void sgd(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
                   const ops::SgdStep& step, float grad_multiplier) = 0;
  virtual void adamw(const std::vector<ops::ParamSlot>& slots, ops::Precision precision,
                     const ops::AdamWStep& step, float grad_multiplier) = 0;
  // Waits for the answer.
  virtual ops::GradCheck check(const std::vector<ops::ParamSlot>& slots,
                               ops::Precision precision) = 0;
};

std::unique_ptr<Stepper> makeCpuStepper();
// Throws ConfigError in a build without CUDA.
std::unique_ptr<Stepper> makeCudaStepper(c10::DeviceIndex device);

}  // namespace cohort
