// The base of cohort's fused optimizers (SGD, AdamW): the parameters are
// grouped by device and precision, and each group takes a whole step in one
// pass of the functors of kernels/ops -- the CPU loops for CPU parameters, one
// CUDA launch for all of a GPU's parameters.
//
// float32 parameters are updated in place; bfloat16 parameters keep a float32
// master copy that the step updates and rounds back into the parameter.
// Parameters without a gradient are left alone, as libtorch's optimizers do.
//
// Parameters that DataParallel shares between the ranks of a machine (Note
// [Shared parameters]) get their state in shared memory too, and each rank
// updates its share of them: construction and step() are then collective over
// the machine's ranks.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cohort/kernels/ops/norm.h"
#include "cohort/kernels/ops/param_slot.h"
#include "cohort/kernels/stepper.h"
#include "cohort/optim/optimizer_state.h"

namespace cohort {
struct SharedGroup;
}

namespace cohort::optim {

class FusedOptimizer : public OptimizerState {
 public:
  virtual ~FusedOptimizer();
  FusedOptimizer(const FusedOptimizer&) = delete;
  FusedOptimizer& operator=(const FusedOptimizer&) = delete;

  // One step. Every gradient is multiplied by grad_multiplier first: 1 / the
  // loss scale, a clipping factor (see clipFactor), or both.
  void step(float grad_multiplier = 1.0f);

  // Releases the gradients (set_to_none, PyTorch's default since 2.0): the
  // next backward hands its fresh gradient tensors over instead of adding
  // them to zeros, and DataParallel copies them into its buckets -- half the
  // memory traffic of zeroing in place (Note [Gradient buckets]). A parameter
  // with no gradient is skipped by step(). With set_to_none false the
  // gradients are zeroed where they are.
  void zeroGrad(bool set_to_none = true);

  // The squared global norm of the gradients and their non-finite elements.
  ops::GradCheck checkGradients();

  double lr() const { return lr_; }
  void setLr(double lr) { lr_ = lr; }
  int64_t steps() const { return steps_; }
  const std::vector<at::Tensor>& params() const { return params_; }
  // How many ranks update these parameters together: the ranks of this
  // machine for shared parameters, else 1.
  int sharedBy() const;

  // The optimizer's state tensors, named "<param index>.<kind>" (for checkpoints).
  std::vector<std::pair<std::string, at::Tensor>> state() const;
  // Which parameters have taken a step (their state is no longer zero-initialised).
  std::vector<bool> stepped() const;
  // Continues from a checkpoint: copies `state` (the names and shapes state()
  // gives) into this optimizer's state and sets the step count and which
  // parameters have stepped. Throws ConfigError naming the first mismatch.
  void loadState(const std::vector<std::pair<std::string, at::Tensor>>& state, int64_t steps,
                 const std::vector<bool>& stepped);

  // For checkpoints (Note [Optimizer state]): kind "cohort.optim.SGD" or
  // "cohort.optim.AdamW"; tensors() is state() and "stepped" (uint8, one per
  // parameter); attributes() holds "steps" and "lr".
  std::string kind() const override { return kind_; }
  StateTensors tensors() const override;
  StateAttributes attributes() const override;
  void load(const StateTensors& tensors, const StateAttributes& attributes) override;

 protected:
  // `moments`: how many float32 state tensors each parameter needs (1 for SGD
  // with momentum, 2 for AdamW).
  FusedOptimizer(std::vector<at::Tensor> params, double lr, int moments, const char* name);

  // One group's step; `fresh` marks slots whose state has never been updated.
  virtual void stepGroup(Stepper& stepper, const std::vector<ops::ParamSlot>& slots,
                         ops::Precision precision, bool fresh, float grad_multiplier) = 0;

 private:
  struct Group {
    std::vector<int> members;  // indices into params_
    ops::Precision precision;
    std::unique_ptr<Stepper> stepper;
  };
  struct ParamState {
    at::Tensor master;     // bfloat16 parameters only
    at::Tensor moment[2];  // exp_avg, exp_avg_sq
    bool fresh = true;     // not stepped yet
  };

  // The slots of a group's parameters that have gradients, fresh ones or not;
  // with shared parameters, only this rank's share of each.
  std::vector<ops::ParamSlot> slotsOf(const Group& group, bool fresh) const;
  // Shared parameters: checks they all share one group, puts the state in
  // shared memory, and works out this rank's share of each parameter.
  void shareState(const char* name);
  void checkStillPrivate() const;

  std::vector<at::Tensor> params_;
  std::vector<ParamState> state_;
  std::vector<Group> groups_;
  const SharedGroup* shared_ = nullptr;  // null: private parameters
  std::vector<std::pair<int64_t, int64_t>>
      own_;  // shared: [begin, end) updated here, per parameter
  std::string kind_;
  double lr_;
  int moments_;
  int64_t steps_ = 0;
};

}  // namespace cohort::optim
