// libtorch's optimizers as an OptimizerState (See Note [Optimizer state]):
// torch::optim::SGD, Adam, AdamW, RMSprop and Adagrad. LBFGS (whose state is
// a history of closures' results, not per-parameter tensors) is refused.
//
// The state of parameter i of group g is saved as "g.i.FIELD", FIELD being
// libtorch's own name: momentum_buffer (SGD); step, exp_avg, exp_avg_sq,
// max_exp_avg_sq (Adam, AdamW); step, square_avg, momentum_buffer, grad_avg
// (RMSprop); step, sum (Adagrad). A step count is a 0-d int64 tensor. Each
// group's learning rate is an attribute, "group.g.lr", and is restored, as
// libtorch's own Optimizer::load() restores its options.
#pragma once

#include "cohort/optim/optimizer_state.h"

namespace cohort::optim {

class TorchOptimizerState final : public OptimizerState {
 public:
  // Throws ConfigError for an optimizer type it cannot save.
  explicit TorchOptimizerState(torch::optim::Optimizer& optimizer);

  std::string kind() const override { return kind_; }
  StateTensors tensors() const override;
  StateAttributes attributes() const override;
  void load(const StateTensors& tensors, const StateAttributes& attributes) override;

 private:
  torch::optim::Optimizer& optimizer_;
  std::string kind_;
};

}  // namespace cohort::optim
