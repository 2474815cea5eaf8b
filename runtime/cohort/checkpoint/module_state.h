// A libtorch module's state under its state-dict names ("conv1.weight",
// "bn.running_mean"): the parameters, then the buffers, each recursively
// through the submodules, as torch.nn.Module.state_dict() names them.
#pragma once

#include "cohort/checkpoint/tensor_file.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace cohort::checkpoint {

// The tensors themselves (not copies): what a checkpoint saves and restores into.
NamedTensors moduleState(const torch::nn::Module& module);

}  // namespace cohort::checkpoint
