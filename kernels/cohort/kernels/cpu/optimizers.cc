#include "cohort/kernels/cpu/optimizers.h"

#include <c10/util/BFloat16.h>

namespace cohort::cpu {

namespace {

using BFloat16 = c10::BFloat16;

// Applies `update(p, g, i)` to every element of every slot; p is the float32
// value to update (the parameter, or its master copy), written back after.
template <typename Update>
void forEachElement(const ops::ParamSlot* slots, int count, ops::Precision precision,
                    float grad_multiplier, Update update) {
  for (int k = 0; k < count; ++k) {
    const ops::ParamSlot& s = slots[k];
    if (precision == ops::Precision::kFloat32) {
      float* p = static_cast<float*>(s.param);
      const float* g = static_cast<const float*>(s.grad);
      for (int64_t i = 0; i < s.numel; ++i) update(s, p[i], g[i] * grad_multiplier, i);
    } else {
      BFloat16* p = static_cast<BFloat16*>(s.param);
      const BFloat16* g = static_cast<const BFloat16*>(s.grad);
      for (int64_t i = 0; i < s.numel; ++i) {
        update(s, s.master[i], static_cast<float>(g[i]) * grad_multiplier, i);
        p[i] = BFloat16(s.master[i]);
      }
    }
  }
}

// float32 SGD, written so the compiler vectorises it: restrict-qualified
// parameters (no aliasing) and the step's fields copied in; `buf` is the
// momentum buffer, or null without momentum.
void sgdFloat32(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n,
                const ops::SgdStep step, float grad_multiplier) {
  if (buf != nullptr) {
    for (int64_t i = 0; i < n; ++i) step(p[i], g[i] * grad_multiplier, buf[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      float none = 0;
      step(p[i], g[i] * grad_multiplier, none);
    }
  }
}

}  // namespace

void sgdStep(const ops::ParamSlot* slots, int count, ops::Precision precision,
             const ops::SgdStep& step, float grad_multiplier) {
  if (precision == ops::Precision::kFloat32) {
    for (int k = 0; k < count; ++k) {
      const ops::ParamSlot& s = slots[k];
      sgdFloat32(static_cast<float*>(s.param), static_cast<const float*>(s.grad), s.exp_avg,
                 s.numel, step, grad_multiplier);
    }
    return;
  }
  forEachElement(slots, count, precision, grad_multiplier,
                 [&](const ops::ParamSlot& s, float& p, float g, int64_t i) {
                   float unused = 0;
                   step(p, g, s.exp_avg != nullptr ? s.exp_avg[i] : unused);
                 });
}

void adamwStep(const ops::ParamSlot* slots, int count, ops::Precision precision,
               const ops::AdamWStep& step, float grad_multiplier) {
  forEachElement(slots, count, precision, grad_multiplier,
                 [&](const ops::ParamSlot& s, float& p, float g, int64_t i) {
                   step(p, g, s.exp_avg[i], s.exp_avg_sq[i]);
                 });
}

ops::GradCheck checkGradients(const ops::ParamSlot* slots, int count, ops::Precision precision) {
  ops::GradCheck total;
  const ops::SquareAndCheck check;
  for (int k = 0; k < count; ++k) {
    double sum = 0;
    unsigned non_finite = 0;
    if (precision == ops::Precision::kFloat32) {
      const float* g = static_cast<const float*>(slots[k].grad);
      for (int64_t i = 0; i < slots[k].numel; ++i) check(g[i], sum, non_finite);
    } else {
      const BFloat16* g = static_cast<const BFloat16*>(slots[k].grad);
      for (int64_t i = 0; i < slots[k].numel; ++i) check(static_cast<float>(g[i]), sum, non_finite);
    }
    total.sum_of_squares += sum;
    total.non_finite += non_finite;
  }
  return total;
}

}  // namespace cohort::cpu
