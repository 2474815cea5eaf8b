// Dynamic loss scaling for low-precision training, and the gradient check
// behind it: the loss is multiplied by a scale before backward so that small
// gradients survive in float16/bfloat16; after the reduction the gradients are
// checked, and a step whose gradients hold a NaN or an infinity is skipped
// (with a warning naming the bucket, its parameters and the step) while the
// scale backs off. Steps that succeed `growth_interval` times in a row grow it.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cohort {
class DataParallel;
}

namespace cohort::optim {

class FusedOptimizer;

struct LossScalerOptions {
  double init_scale = 65536.0;
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int64_t growth_interval = 2000;
};

class LossScaler {
 public:
  explicit LossScaler(LossScalerOptions options = {});

  at::Tensor scale(const at::Tensor& loss) const;
  double currentScale() const { return scale_; }

  // After backward: checks dp's reduced gradients; steps `optimizer` with the
  // gradients unscaled when they are finite, skips it otherwise, and updates
  // the scale. Returns whether the step was taken.
  bool step(DataParallel& dp, FusedOptimizer& optimizer);

  int64_t skipped() const { return skipped_; }

 private:
  LossScalerOptions options_;
  double scale_;
  int64_t good_steps_ = 0;
  int64_t skipped_ = 0;
};

}  // namespace cohort::optim
