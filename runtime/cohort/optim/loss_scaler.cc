#include "cohort/optim/loss_scaler.h"

#include "cohort/core/error.h"
#include "cohort/core/log.h"
#include "cohort/ddp/data_parallel.h"
#include "cohort/optim/fused_optimizer.h"

namespace cohort::optim {

LossScaler::LossScaler(LossScalerOptions options) : options_(options), scale_(options.init_scale) {
  COHORT_CHECK(options.init_scale > 0 && options.growth_factor >= 1 && options.backoff_factor > 0 &&
                   options.backoff_factor < 1 && options.growth_interval > 0,
               ConfigError, "LossScaler options out of range",
               "use init_scale > 0, growth_factor >= 1, 0 < backoff_factor < 1, "
               "growth_interval > 0");
}

at::Tensor LossScaler::scale(const at::Tensor& loss) const { return loss.mul(scale_); }

bool LossScaler::step(DataParallel& dp, FusedOptimizer& optimizer) {
  const GradientReport report = dp.checkGradients();
  if (!report.finite()) {
    log::warn("skipping step " + std::to_string(report.iteration) + ": " + report.describe() +
              "; loss scale " + std::to_string(scale_) + " -> " +
              std::to_string(scale_ * options_.backoff_factor));
    scale_ *= options_.backoff_factor;
    good_steps_ = 0;
    ++skipped_;
    return false;
  }
  optimizer.step(static_cast<float>(1.0 / scale_));
  if (++good_steps_ >= options_.growth_interval) {
    scale_ *= options_.growth_factor;
    good_steps_ = 0;
  }
  return true;
}

}  // namespace cohort::optim
