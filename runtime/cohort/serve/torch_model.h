// Models run by libtorch: a TorchScript file (torch.jit.save from a Python
// trainer, read with torch::jit::load), or a C++ trainer's own architecture
// built by its factory with the weights cohort exported (weights.h5).
//
// One input and one output, the batch along the first dimension: a batch's
// requests with the same datatype and trailing shape are concatenated into
// one forward pass and the output split back by rows. A group whose forward
// pass throws is run again request by request, so that only the request the
// model cannot take is answered 400.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <optional>

#include "cohort/serve/served_model.h"

namespace cohort::serve {

// What a C++ trainer's factory builds for an architecture it knows.
struct BuiltModel {
  std::shared_ptr<torch::nn::Module> module;  // its weights are loaded from weights.h5
  std::function<at::Tensor(const at::Tensor&)> forward;
  std::string input_name = "input0";
  DataType input_type = DataType::kFp32;
  std::vector<int64_t> input_shape;  // after the batch dimension; -1: any size; empty: not checked
  std::string output_name = "output0";
};
// Builds the architecture of an exported model from its model.json (its
// "architecture" and "config"), or nullopt when it does not know it.
using ModelFactory = std::function<std::optional<BuiltModel>(const nlohmann::json& model_json)>;

// A TorchScript model from `file`.
std::unique_ptr<ServedModel> loadTorchScript(const std::string& file, ModelIdentity identity);
// `built` with the tensors of `weights_file` (every parameter and buffer
// present with its shape and dtype, else an Error naming the tensor).
std::unique_ptr<ServedModel> loadBuiltModel(BuiltModel built, const std::string& weights_file,
                                            ModelIdentity identity);

}  // namespace cohort::serve
