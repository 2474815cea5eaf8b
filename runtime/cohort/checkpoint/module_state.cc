#include "cohort/checkpoint/module_state.h"

#include <torch/nn/module.h>

namespace cohort::checkpoint {

NamedTensors moduleState(const torch::nn::Module& module) {
  NamedTensors state;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    state.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true))
    state.emplace_back(item.key(), item.value());
  return state;
}

}  // namespace cohort::checkpoint
