// CPU loops applying the optimizer functors (kernels/ops/sgd.h, adamw.h) to
// many parameters in one call.
#pragma once

#include "cohort/kernels/ops/adamw.h"
#include "cohort/kernels/ops/norm.h"
#include "cohort/kernels/ops/param_slot.h"
#include "cohort/kernels/ops/sgd.h"

namespace cohort::cpu {

// Every gradient is multiplied by grad_multiplier first (1/loss scale, a
// clipping factor, or 1). With momentum, exp_avg is the momentum buffer.
void sgdStep(const ops::ParamSlot* slots, int count, ops::Precision precision,
             const ops::SgdStep& step, float grad_multiplier);
void adamwStep(const ops::ParamSlot* slots, int count, ops::Precision precision,
               const ops::AdamWStep& step, float grad_multiplier);

// The sum of the squares of every finite gradient element of the slots, and
// how many are not finite.
ops::GradCheck checkGradients(const ops::ParamSlot* slots, int count, ops::Precision precision);

}  // namespace cohort::cpu
