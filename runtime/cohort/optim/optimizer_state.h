// Note [Optimizer state]
// What a checkpoint keeps of an optimizer, for any optimizer a trainer uses:
// cohort's fused SGD and AdamW, and libtorch's torch::optim::SGD, Adam, AdamW,
// RMSprop and Adagrad (through TorchOptimizerState). Each offers
//   - kind(): its type ("torch.optim.Adam", "cohort.optim.SGD"); a checkpoint
//     resumes only into an optimizer of the same kind;
//   - tensors() and attributes(): its state now, as named tensors (the live
//     ones, which the caller copies) and short texts (step counts, the
//     learning rate of each parameter group);
//   - load(): puts a checkpoint's state back, after checking all of it
//     against the optimizer's parameters, so a mismatch (another model,
//     another optimizer configuration) is a ConfigError naming the first
//     tensor that does not fit and nothing is changed. Every rank calls it
//     with the same state and so reaches the same verdict.
// A parameter's state is written only once it exists: libtorch creates it at
// a parameter's first step, and a resumed optimizer has state for exactly the
// parameters the saved one had, so the next step takes the same branch.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace cohort::optim {

using StateTensors = std::vector<std::pair<std::string, at::Tensor>>;
using StateAttributes = std::map<std::string, std::string>;

class OptimizerState {
 public:
  virtual ~OptimizerState() = default;
  virtual std::string kind() const = 0;
  virtual StateTensors tensors() const = 0;
  virtual StateAttributes attributes() const = 0;
  // Throws ConfigError (and changes nothing) when `tensors` or `attributes`
  // cannot be this optimizer's state.
  virtual void load(const StateTensors& tensors, const StateAttributes& attributes) = 0;
};

// Why the tensors `saved` cannot be loaded into `live`, tensor by tensor by
// name, shape and dtype ("" when they can). `what` names the saved side in
// the message: "the checkpoint's model".
std::string describeMismatch(const StateTensors& saved, const StateTensors& live,
                             const std::string& what);

// The optimizer a TrainState checkpoints: cohort's own (which is an
// OptimizerState) or any libtorch optimizer (wrapped in TorchOptimizerState).
//   state.optimizer = &adam;   // torch::optim::Adam
//   state.optimizer = &sgd;    // cohort::optim::SGD
class OptimizerRef {
 public:
  OptimizerRef() = default;
  OptimizerRef(std::nullptr_t) {}                         // NOLINT: implicit, like a pointer
  OptimizerRef(OptimizerState* state) : state_(state) {}  // NOLINT
  OptimizerRef(torch::optim::Optimizer* optimizer);       // NOLINT

  OptimizerState* get() const { return state_ ? state_ : owned_.get(); }
  OptimizerState* operator->() const { return get(); }
  explicit operator bool() const { return get() != nullptr; }

 private:
  OptimizerState* state_ = nullptr;
  std::shared_ptr<OptimizerState> owned_;
};

}  // namespace cohort::optim
